import Datasets
import PipeBase
import XCTest
@testable import Stages

/// Oversampling (from a `balance: oversample` stage) evens out classes in training only, seeded.
final class OversamplingTests: XCTestCase {
    func testSmallerClassesAreDrawnUpToTheLargest() {
        let rows = (0..<10).map { ManifestEntry(path: "\($0).png", label: $0 < 7 ? "benign" : "malignant", balance: "oversample") }
        var random = SeededRandom(seed: 3)
        let order = Trainer.oversampled(rows, classes: ["benign", "malignant"], using: &random)
        XCTAssertEqual(order.count, 14)
        XCTAssertEqual(order.filter { rows[$0].label == "malignant" }.count, 7)
        XCTAssertEqual(Set(order), Set(0..<10), "every row is still used")
        var again = SeededRandom(seed: 3)
        XCTAssertEqual(Trainer.oversampled(rows, classes: ["benign", "malignant"], using: &again), order)
        var other = SeededRandom(seed: 3)
        let plain = rows.map { row in var row = row; row.balance = nil; return row }
        XCTAssertEqual(Trainer.oversampled(plain, classes: ["benign", "malignant"], using: &other), Array(0..<10), "no balance column, no extra draws")
    }
}
