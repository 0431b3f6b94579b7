import PipeSpec

/// The contents of `metrics.json` for a decision among more than two classes, each image given its most
/// probable class: per-class precision, recall, F1, support and one-vs-rest ROC AUC, their macro and
/// support-weighted averages, the N×N confusion matrix, accuracy, balanced accuracy, the patient-level rate,
/// per-magnification scores and bootstrap intervals over patients.
struct MulticlassEvaluationReport {
    var values: [String: JSONValue] = [:]

    init<R: RandomNumberGenerator>(classes: [String], labels: [Int], probabilities: [[Double]], patients: [String],
                                   magnifications: [String], bootstrap: Int, generator: inout R) {
        let k = classes.count
        let predictions = probabilities.map(Self.argmax)
        values = Self.scores(classes: k, labels: labels, probabilities: probabilities).mapValues(JSONValue.number)
        let metrics = MulticlassMetrics(labels: labels, predictions: predictions, classes: k)
        let aucs = Self.rocAUCs(classes: k, labels: labels, probabilities: probabilities)
        values["classes"] = .array(classes.map(JSONValue.string))
        values["confusion_matrix"] = .array(metrics.confusion.map { .array($0.map { .number(Double($0)) }) })
        values["per_class"] = .object(Dictionary(uniqueKeysWithValues: classes.enumerated().map { c, name in
            var entry: [String: JSONValue] = [
                "precision": .number(metrics.perClass[c].precision), "recall": .number(metrics.perClass[c].recall),
                "f1": .number(metrics.perClass[c].f1), "support": .number(Double(metrics.perClass[c].support)),
            ]
            if let auc = aucs[c] { entry["roc_auc"] = .number(auc) }
            return (name, JSONValue.object(entry))
        }))
        let patient = PatientLevel.recognitionRate(patients: patients, correct: zip(labels, predictions).map { $0 == $1 })
        values["patient_level"] = .object(["recognition_rate": .number(patient.rate), "n_patients": .number(Double(patient.patients))])
        let known = Set(magnifications).subtracting([""])
        if !known.isEmpty {
            values["by_magnification"] = .object(Dictionary(uniqueKeysWithValues: known.sorted().map { mag in
                let index = magnifications.indices.filter { magnifications[$0] == mag }
                return (mag, JSONValue.object(Self.scores(classes: k, labels: index.map { labels[$0] },
                                                          probabilities: index.map { probabilities[$0] }).mapValues(JSONValue.number)))
            }))
        }
        if bootstrap > 0 {
            let intervals = Bootstrap.intervals(groups: patients.allSatisfy { !$0.isEmpty } ? patients : labels.indices.map(String.init),
                                                resamples: bootstrap, using: &generator) { sample in
                Self.scores(classes: k, labels: sample.map { labels[$0] }, probabilities: sample.map { probabilities[$0] })
            }
            for (name, interval) in intervals where name != "n_images" {
                values[name + "_ci"] = .array([.number(interval.lowerBound), .number(interval.upperBound)])
            }
        }
    }

    /// The index of the largest probability (the first on ties).
    static func argmax(_ probabilities: [Double]) -> Int {
        probabilities.indices.max { (probabilities[$0], -$0) < (probabilities[$1], -$1) } ?? 0
    }

    /// The summary scores of one set of images; `roc_auc_macro` only when every class has positives and negatives.
    static func scores(classes: Int, labels: [Int], probabilities: [[Double]]) -> [String: Double] {
        let m = MulticlassMetrics(labels: labels, predictions: probabilities.map(argmax), classes: classes)
        var out = [
            "accuracy": m.accuracy, "balanced_accuracy": m.balancedAccuracy,
            "precision_macro": m.macroPrecision, "recall_macro": m.macroRecall, "f1_macro": m.macroF1,
            "precision_weighted": m.weightedPrecision, "recall_weighted": m.weightedRecall, "f1_weighted": m.weightedF1,
            "n_images": Double(labels.count),
        ]
        let aucs = rocAUCs(classes: classes, labels: labels, probabilities: probabilities).compactMap { $0 }
        if aucs.count == classes, classes > 0 { out["roc_auc_macro"] = aucs.reduce(0, +) / Double(classes) }
        return out
    }

    /// One-vs-rest ROC AUC of each class from its probability column; nil for a class without positives or negatives.
    static func rocAUCs(classes: Int, labels: [Int], probabilities: [[Double]]) -> [Double?] {
        (0..<classes).map { c in RankingMetrics.rocAUC(labels: labels.map { $0 == c ? 1 : 0 }, scores: probabilities.map { $0[c] }) }
    }

    var json: String { JSONValue.object(values).canonicalText + "\n" }
}
