import Foundation
import XCTest

/// `online_augment` draws new augmentations each epoch, repeatably, and bypasses the feature cache.
final class OnlineAugmentRunTests: XCTestCase {
    func testOnlineAugmentationIsRepeatableAndChangesTraining() throws {
        func history(_ train: [String]) throws -> (log: String, rows: [[String]]) {
            let scratch = try Scratch()
            try scratch.write("a.yaml", TinyFineTune.yaml(name: "augment", seed: 5, train: train + ["epochs: 3"]))
            let run = try scratch.pipe("run", "a.yaml")
            XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
            let folder = try XCTUnwrap(try scratch.pipe("outputs", "a.yaml", "train").stdout.split(separator: "\t").last?
                .trimmingCharacters(in: .newlines))
            let text = try String(contentsOfFile: folder + "/history.csv", encoding: .utf8)
            // Everything but the seconds column, which varies from run to run.
            return (run.stdout, text.split(separator: "\n").dropFirst().map { $0.split(separator: ",").dropLast().map(String.init) })
        }
        let ops = "online_augment: [{ op: flip_horizontal, p: 0.5 }, { op: rotate90, p: 0.5 }, { op: brightness_contrast, p: 1 }]"
        let first = try history([ops]), second = try history([ops]), plain = try history([])
        XCTAssertTrue(first.log.contains("instead of cached features"), first.log)
        XCTAssertEqual(first.rows, second.rows, "the same seed draws the same augmentations")
        XCTAssertNotEqual(first.rows.map { $0[1] }, plain.rows.map { $0[1] }, "augmented training losses differ from plain ones")
    }
}
