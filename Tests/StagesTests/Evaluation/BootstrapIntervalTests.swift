import Datasets
import PipeBase
import PipeSpec
import XCTest
@testable import Stages

/// Bootstrap intervals leave out resamples where a metric is undefined instead of counting them as 0.
final class BootstrapIntervalTests: XCTestCase {
    func testResamplesWithoutPositiveCallsDoNotPullPrecisionToZero() {
        // Patient a: benign, every image called benign; patient b: malignant, every image called malignant.
        let labels = [0, 0, 0, 1, 1, 1], scores = [0.1, 0.2, 0.3, 0.8, 0.9, 0.7]
        var generator = SeededRandom(seed: 3)
        let report = EvaluationReport(labels: labels, scores: scores, threshold: 0.5, patients: ["a", "a", "a", "b", "b", "b"],
                                      magnifications: Array(repeating: "", count: 6), bootstrap: 400, generator: &generator)
        func interval(_ name: String) -> [Double]? { report.values[name + "_ci"]?.arrayValue?.compactMap(\.numberValue) }
        XCTAssertEqual(report.values["precision"]?.numberValue, 1)
        // A resample of patient a alone has no positive call and no positive label: precision, recall and F1
        // are undefined there, not 0.
        XCTAssertEqual(interval("precision"), [1, 1])
        XCTAssertEqual(interval("recall"), [1, 1])
        XCTAssertEqual(interval("f1"), [1, 1])
        XCTAssertEqual(interval("accuracy"), [1, 1])
    }
}
