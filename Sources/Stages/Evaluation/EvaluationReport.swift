import PipeSpec

/// The contents of `metrics.json` for a binary decision: scores at the threshold, AUC and average precision
/// from probabilities, calibration, patient-level rate, per-magnification scores and bootstrap intervals.
struct EvaluationReport {
    var values: [String: JSONValue] = [:]

    init<R: RandomNumberGenerator>(labels: [Int], scores: [Double], threshold: Double, patients: [String],
                                  magnifications: [String], bootstrap: Int, generator: inout R) {
        values = Self.scores(labels: labels, scores: scores, threshold: threshold)
        let correct = zip(labels, scores).map { ($1 >= threshold ? 1 : 0) == $0 }
        let patient = PatientLevel.recognitionRate(patients: patients, correct: correct)
        values["patient_level"] = .object(["recognition_rate": .number(patient.rate), "n_patients": .number(Double(patient.patients))])
        values["ece"] = .number(Calibration.expectedError(labels: labels, probabilities: scores))
        let known = Set(magnifications).subtracting([""])
        if !known.isEmpty {
            values["by_magnification"] = .object(Dictionary(uniqueKeysWithValues: known.sorted().map { mag in
                let index = magnifications.indices.filter { magnifications[$0] == mag }
                return (mag, JSONValue.object(Self.scores(labels: index.map { labels[$0] }, scores: index.map { scores[$0] }, threshold: threshold)))
            }))
        }
        if bootstrap > 0 {
            let intervals = Bootstrap.intervals(groups: patients.allSatisfy { !$0.isEmpty } ? patients : labels.indices.map(String.init),
                                                resamples: bootstrap, using: &generator) { sample in
                let (sampleLabels, sampleScores) = (sample.map { labels[$0] }, sample.map { scores[$0] })
                let undefined = ConfusionCounts(labels: sampleLabels, probabilities: sampleScores, threshold: threshold).undefinedMetrics
                return Self.scores(labels: sampleLabels, scores: sampleScores, threshold: threshold)
                    .filter { !undefined.contains($0.key) }.compactMapValues(\.numberValue)
            }
            for (name, interval) in intervals where name != "threshold" && name != "n_images" {
                values[name + "_ci"] = .array([.number(interval.lowerBound), .number(interval.upperBound)])
            }
        }
    }

    static func scores(labels: [Int], scores: [Double], threshold: Double) -> [String: JSONValue] {
        let c = ConfusionCounts(labels: labels, probabilities: scores, threshold: threshold)
        var out: [String: JSONValue] = [
            "accuracy": .number(c.accuracy), "balanced_accuracy": .number(c.balancedAccuracy), "precision": .number(c.precision),
            "recall": .number(c.recall), "specificity": .number(c.specificity), "f1": .number(c.f1),
            "confusion_matrix": .object(["tn": .number(Double(c.tn)), "fp": .number(Double(c.fp)), "fn": .number(Double(c.fn)), "tp": .number(Double(c.tp))]),
            "n_images": .number(Double(labels.count)), "threshold": .number(threshold),
        ]
        if let auc = RankingMetrics.rocAUC(labels: labels, scores: scores) { out["roc_auc"] = .number(auc) }
        if let ap = RankingMetrics.averagePrecision(labels: labels, scores: scores) { out["pr_auc"] = .number(ap) }
        return out
    }

    var json: String { JSONValue.object(values).canonicalText + "\n" }
}
