import Foundation
import XCTest
import PipeSpec
@testable import Stages

/// Evaluation metrics agree with scikit-learn and NumPy (Tests/Reference/make_metrics_fixtures.py) to 1e-6.
final class MetricsTests: XCTestCase {
    private let tolerance = 1e-6

    private func fixture() throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Reference/metrics/metrics.json")
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    private func cases(_ name: String) throws -> [[String: Any]] {
        try XCTUnwrap(try fixture()[name] as? [[String: Any]])
    }

    private func number(_ value: Any?) -> Double { (value as? NSNumber)?.doubleValue ?? .nan }

    func testBinaryMetricsMatchScikitLearn() throws {
        for (i, c) in try cases("binary").enumerated() {
            let labels = (c["labels"] as! [NSNumber]).map(\.intValue)
            let scores = (c["scores"] as! [NSNumber]).map(\.doubleValue)
            let counts = ConfusionCounts(labels: labels, probabilities: scores, threshold: number(c["threshold"]))
            let expected = c["confusion"] as! [String: Int]
            XCTAssertEqual([counts.tn, counts.fp, counts.fn, counts.tp], [expected["tn"], expected["fp"], expected["fn"], expected["tp"]], "case \(i)")
            let pairs: [(String, Double)] = [
                ("accuracy", counts.accuracy), ("balanced_accuracy", counts.balancedAccuracy),
                ("precision", counts.precision), ("recall", counts.recall), ("specificity", counts.specificity), ("f1", counts.f1),
                ("roc_auc", RankingMetrics.rocAUC(labels: labels, scores: scores) ?? .nan),
                ("pr_auc", RankingMetrics.averagePrecision(labels: labels, scores: scores) ?? .nan),
                ("youden_threshold", RankingMetrics.youdenThreshold(labels: labels, scores: scores) ?? .nan),
                ("ece", Calibration.expectedError(labels: labels, probabilities: scores)),
            ]
            for (name, value) in pairs {
                XCTAssertEqual(value, number(c[name]), accuracy: tolerance, "\(name), case \(i)")
            }
            let bins = Calibration.bins(labels: labels, probabilities: scores)
            let reference = c["calibration_bins"] as! [String: [NSNumber]]
            XCTAssertEqual(bins.map(\.count), reference["count"]!.map(\.intValue), "case \(i)")
            for (bin, (mean, rate)) in zip(bins, zip(reference["mean_probability"]!, reference["observed_rate"]!)) {
                XCTAssertEqual(bin.meanProbability, mean.doubleValue, accuracy: tolerance)
                XCTAssertEqual(bin.observedRate, rate.doubleValue, accuracy: tolerance)
            }
        }
    }

    func testMulticlassMetricsMatchScikitLearn() throws {
        for c in try cases("multiclass") {
            let metrics = MulticlassMetrics(labels: (c["labels"] as! [NSNumber]).map(\.intValue),
                                            predictions: (c["predictions"] as! [NSNumber]).map(\.intValue),
                                            classes: c["classes"] as! Int)
            XCTAssertEqual(metrics.confusion, c["confusion"] as! [[Int]])
            for (name, values) in [("precision", metrics.perClass.map(\.precision)), ("recall", metrics.perClass.map(\.recall)), ("f1", metrics.perClass.map(\.f1))] {
                for (value, reference) in zip(values, c[name] as! [NSNumber]) {
                    XCTAssertEqual(value, reference.doubleValue, accuracy: tolerance, name)
                }
            }
            XCTAssertEqual(metrics.perClass.map(\.support), c["support"] as! [Int])
            XCTAssertEqual(metrics.macroPrecision, number(c["macro_precision"]), accuracy: tolerance)
            XCTAssertEqual(metrics.macroRecall, number(c["macro_recall"]), accuracy: tolerance)
            XCTAssertEqual(metrics.macroF1, number(c["macro_f1"]), accuracy: tolerance)
            XCTAssertEqual(metrics.weightedPrecision, number(c["weighted_precision"]), accuracy: tolerance)
            XCTAssertEqual(metrics.weightedRecall, number(c["weighted_recall"]), accuracy: tolerance)
            XCTAssertEqual(metrics.weightedF1, number(c["weighted_f1"]), accuracy: tolerance)
            XCTAssertEqual(metrics.balancedAccuracy, number(c["balanced_accuracy"]), accuracy: tolerance, "a class absent from the labels is left out")
            XCTAssertEqual(metrics.accuracy, number(c["accuracy"]), accuracy: tolerance)
        }
    }

    /// What evaluate writes for more than two classes, from probabilities, against scikit-learn.
    func testMulticlassEvaluationFromProbabilitiesMatchesScikitLearn() throws {
        for (i, c) in try cases("multiclass_probabilities").enumerated() {
            let k = c["classes"] as! Int
            let names = (0..<k).map { "class\($0)" }
            let labels = (c["labels"] as! [NSNumber]).map(\.intValue)
            let probabilities = (c["probabilities"] as! [[NSNumber]]).map { $0.map(\.doubleValue) }
            var generator = TestRandom(seed: 3)
            let values = MulticlassEvaluationReport(classes: names, labels: labels, probabilities: probabilities, patients: c["patients"] as! [String],
                                                    magnifications: labels.map { _ in "" }, bootstrap: 0, generator: &generator).values
            XCTAssertEqual(probabilities.map(MulticlassEvaluationReport.argmax), (c["predictions"] as! [NSNumber]).map(\.intValue), "case \(i)")
            XCTAssertEqual(values["confusion_matrix"]?.arrayValue?.map { $0.arrayValue?.compactMap(\.intValue) ?? [] }, c["confusion"] as? [[Int]])
            for name in ["accuracy", "balanced_accuracy", "roc_auc_macro", "precision_macro", "recall_macro", "f1_macro",
                         "precision_weighted", "recall_weighted", "f1_weighted"] {
                XCTAssertEqual(values[name]?.numberValue ?? .nan, number(c[name]), accuracy: tolerance, "\(name), case \(i)")
            }
            for (index, name) in names.enumerated() {
                let entry = values["per_class"]?[name]
                for (key, reference) in [("precision", "precision"), ("recall", "recall"), ("f1", "f1"), ("support", "support"), ("roc_auc", "roc_auc")] {
                    XCTAssertEqual(entry?[key]?.numberValue ?? .nan, number((c[reference] as! [Any])[index]), accuracy: tolerance, "\(key) of \(name), case \(i)")
                }
            }
            XCTAssertEqual(values["patient_level"]?["recognition_rate"]?.numberValue ?? .nan, number(c["patient_rate"]), accuracy: tolerance)
            XCTAssertEqual(values["patient_level"]?["n_patients"]?.intValue, c["n_patients"] as? Int)
            XCTAssertEqual(values["classes"]?.arrayValue?.compactMap(\.stringValue), names)
        }
    }

    func testMulticlassBootstrapIntervalsResamplePatientsAndHoldTheEstimate() throws {
        let c = try cases("multiclass_probabilities")[0]
        let labels = (c["labels"] as! [NSNumber]).map(\.intValue)
        let probabilities = (c["probabilities"] as! [[NSNumber]]).map { $0.map(\.doubleValue) }
        var generator = TestRandom(seed: 5)
        let values = MulticlassEvaluationReport(classes: (0..<8).map { "c\($0)" }, labels: labels, probabilities: probabilities,
                                                patients: c["patients"] as! [String], magnifications: labels.map { _ in "" },
                                                bootstrap: 200, generator: &generator).values
        for name in ["accuracy", "balanced_accuracy", "f1_macro", "f1_weighted", "precision_macro", "recall_weighted", "roc_auc_macro"] {
            let interval = try XCTUnwrap(values[name + "_ci"]?.arrayValue?.compactMap(\.numberValue), name)
            let estimate = try XCTUnwrap(values[name]?.numberValue)
            XCTAssertEqual(interval.count, 2)
            XCTAssertLessThan(interval[0], estimate, name)
            XCTAssertGreaterThan(interval[1], estimate, name)
        }
        XCTAssertNil(values["n_images_ci"])
    }

    func testPercentilesMatchNumPyAndPatientLevelRate() throws {
        for c in try cases("percentile") {
            let sorted = (c["values"] as! [NSNumber]).map(\.doubleValue).sorted()
            XCTAssertEqual(Bootstrap.percentile(sorted, 0.025), number(c["p2_5"]), accuracy: tolerance)
            XCTAssertEqual(Bootstrap.percentile(sorted, 0.975), number(c["p97_5"]), accuracy: tolerance)
        }
        let c = try cases("patient_level")[0]
        let result = PatientLevel.recognitionRate(patients: c["patients"] as! [String], correct: c["correct"] as! [Bool])
        XCTAssertEqual(result.rate, number(c["rate"]), accuracy: tolerance)
        XCTAssertEqual(result.patients, c["n_patients"] as! Int)
    }

    func testUndefinedScoresAreNilAndAUCDoesNotUseHardLabels() {
        XCTAssertNil(RankingMetrics.rocAUC(labels: [1, 1], scores: [0.2, 0.9]))
        XCTAssertNil(RankingMetrics.averagePrecision(labels: [0, 0], scores: [0.2, 0.9]))
        // The same hard decisions at 0.5, different rankings: AUC tells them apart.
        XCTAssertEqual(RankingMetrics.rocAUC(labels: [0, 0, 1, 1], scores: [0.1, 0.4, 0.6, 0.9]), 1)
        XCTAssertEqual(RankingMetrics.rocAUC(labels: [0, 0, 1, 1], scores: [0.45, 0.4, 0.6, 0.55]), 1)
        XCTAssertEqual(RankingMetrics.rocAUC(labels: [0, 1, 0, 1], scores: [0.49, 0.51, 0.1, 0.9]), 1)
        XCTAssertEqual(RankingMetrics.rocAUC(labels: [0, 1, 0, 1], scores: [0.45, 0.6, 0.4, 0.55]), 1)
        XCTAssertEqual(RankingMetrics.rocAUC(labels: [1, 0, 1, 0], scores: [0.45, 0.6, 0.4, 0.55]), 0)
    }

    func testBootstrapResamplesWholePatientsAndIsSeeded() {
        // Two patients with all images right and one with all wrong: every resample's accuracy is a
        // multiple of 1/3 only if whole patients are drawn (each has 4 images).
        let groups = ["a", "a", "a", "a", "b", "b", "b", "b", "c", "c", "c", "c"]
        let correct = [true, true, true, true, true, true, true, true, false, false, false, false]
        var seen = Set<Double>()
        var generator = TestRandom(seed: 7)
        let intervals = Bootstrap.intervals(groups: groups, resamples: 200, using: &generator) { sample in
            let accuracy = Double(sample.filter { correct[$0] }.count) / Double(sample.count)
            seen.insert((accuracy * 3).rounded() / 3)
            XCTAssertEqual(sample.count, 12)
            return ["accuracy": accuracy]
        }
        XCTAssertEqual(seen, [0, 1.0 / 3, 2.0 / 3, 1])
        let interval = intervals["accuracy"]!
        XCTAssertLessThanOrEqual(interval.lowerBound, 2.0 / 3)
        XCTAssertGreaterThanOrEqual(interval.upperBound, 2.0 / 3)
        var again = TestRandom(seed: 7)
        XCTAssertEqual(Bootstrap.intervals(groups: groups, resamples: 200, using: &again) { sample in
            ["accuracy": Double(sample.filter { correct[$0] }.count) / Double(sample.count)]
        }["accuracy"], interval, "the same seed gives the same interval")
    }
}
