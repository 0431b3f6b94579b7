import Foundation
import XCTest

/// `schedule: {name: reduce-on-plateau}` lowers the rate in `history.csv` when the monitor stalls.
final class PlateauRunTests: XCTestCase {
    func testReduceOnPlateauHalvesTheRateAfterStalledEpochs() throws {
        let scratch = try Scratch()
        try scratch.write("p.yaml", TinyFineTune.yaml(name: "plateau", seed: 3, train: [
            "schedule: { name: reduce-on-plateau, patience: 1, factor: 0.5, min_lr: 0.0002 }",
            "early_stopping: { monitor: val_accuracy, patience: 100 }",
            "epochs: 6",
        ]))
        let run = try scratch.pipe("run", "p.yaml")
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        let folder = try XCTUnwrap(try scratch.pipe("outputs", "p.yaml", "train").stdout.split(separator: "\t").last?
            .trimmingCharacters(in: .newlines))
        let lines = try String(contentsOfFile: folder + "/history.csv", encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",")
        let lrColumn = try XCTUnwrap(header.firstIndex(of: "lr"), String(lines[0]))
        let accuracyColumn = try XCTUnwrap(header.firstIndex(of: "val_accuracy"), String(lines[0]))
        let rows = lines.dropFirst().map { $0.split(separator: ",").map { Double($0) ?? .nan } }
        XCTAssertEqual(rows.count, 6)
        // Replay Keras' rule on the recorded accuracies: the recorded rates must follow it exactly.
        var best = -Double.infinity, stalled = 0, rate = 0.001
        for row in rows {
            XCTAssertEqual(row[lrColumn], rate, accuracy: 1e-9, "epoch \(row[0])")
            if row[accuracyColumn] > best + 1e-4 {
                best = row[accuracyColumn]
                stalled = 0
            } else {
                stalled += 1
                if stalled >= 1 {
                    stalled = 0
                    if rate > 0.0002 { rate = max(rate * 0.5, 0.0002) }
                }
            }
        }
        XCTAssertLessThan(rows.last![lrColumn], 0.001, "six epochs on 4 training images stall at least once")
    }
}
