import Foundation
import PipeBase
import PipeSpec
import XCTest
@testable import Stages

/// The run history records the headline numbers of `metrics.json` exactly as evaluate wrote them.
final class HeadlineMetricsTests: XCTestCase {
    func testABinaryReportGivesItsScoresIntervalsAndPatientRate() throws {
        var generator = SeededRandom(seed: 7)
        let report = EvaluationReport(labels: [0, 0, 1, 1, 1, 0], scores: [0.2, 0.6, 0.7, 0.4, 0.9, 0.1], threshold: 0.5,
                                      patients: ["a", "a", "b", "b", "c", "d"], magnifications: Array(repeating: "", count: 6),
                                      bootstrap: 50, generator: &generator)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("headline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(report.json.utf8).write(to: folder.appendingPathComponent("metrics.json"))
        let headline = HeadlineMetrics.read(folder: folder)
        XCTAssertEqual(Set(headline.keys), ["accuracy", "accuracy_ci", "balanced_accuracy", "balanced_accuracy_ci", "roc_auc", "roc_auc_ci", "patient_rate"])
        XCTAssertEqual(headline["accuracy"], .number(4.0 / 6))
        XCTAssertEqual(headline["roc_auc"], .number(8.0 / 9))
        XCTAssertEqual(headline["roc_auc_ci"], report.values["roc_auc_ci"])
        XCTAssertEqual(headline["patient_rate"], report.values["patient_level"]?["recognition_rate"])
        XCTAssertEqual(HeadlineMetrics.read(folder: folder.appendingPathComponent("missing")), [:])
    }

    func testAMulticlassReportRecordsItsMacroAUCAsRocAUC() {
        var generator = SeededRandom(seed: 7)
        let report = MulticlassEvaluationReport(classes: ["a", "b", "c"], labels: [0, 1, 2, 0, 1, 2],
                                                probabilities: [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.3, 0.3, 0.4], [0.4, 0.5, 0.1], [0.1, 0.8, 0.1], [0.1, 0.2, 0.7]],
                                                patients: ["p", "q", "r", "s", "t", "u"], magnifications: Array(repeating: "", count: 6),
                                                bootstrap: 0, generator: &generator)
        let headline = HeadlineMetrics.extract(from: .object(report.values))
        XCTAssertEqual(Set(headline.keys), ["accuracy", "balanced_accuracy", "roc_auc", "patient_rate"])
        XCTAssertEqual(headline["accuracy"], .number(5.0 / 6))
        XCTAssertEqual(headline["roc_auc"], report.values["roc_auc_macro"])
    }
}
