import Foundation
import Models
import XCTest

/// A fine-tune whose numbers stop being finite fails and says what to change; `clip_norm` bounds each step.
final class DivergenceRunTests: XCTestCase {
    /// SGD at rate 10 with weight decay 100 multiplies the weights by about -1000 per step; at epoch 13 (the last)
    /// the validation loss is NaN while the training loss is not (the old trainer succeeded and evaluate ran).
    func testADivergingFineTuneFailsNamingTheEpochAndALowerRate() throws {
        let scratch = try Scratch()
        try scratch.write("d.yaml", TinyFineTune.yaml(name: "diverge", seed: 1, optimizer: "{ name: sgd, lr: 10, momentum: 0.9, weight_decay: 100 }",
                                                      train: ["epochs: 13"]) + "  eval: { kind: evaluate, needs: [train, split] }\n")
        let run = try scratch.pipe("run", "d.yaml")
        let output = run.stdout + run.stderr
        XCTAssertNotEqual(run.status, 0, output)
        XCTAssertEqual(run.statuses["train"], "FAILED", output)
        XCTAssertEqual(run.statuses["eval"], "skipped", output)
        XCTAssertTrue(output.contains("train: FAILED: stage `train`: training diverged at epoch "), output)
        XCTAssertTrue(output.contains("(learning rate 10.0); lower optimizer.lr (e.g. to 1.0) or set optimizer.clip_norm"), output)
    }

    /// One plain SGD step of rate 0.01 on 4 images: the backbone's gradient norm is about 3,500 here, so unclipped
    /// the step moves it by about 35; with `clip_norm: 1` by at most 0.01 * 1, and nearly that (the head's share is small).
    func testClipNormBoundsTheStep() throws {
        let scratch = try Scratch()
        func movement(_ clip: String) throws -> Double {
            try scratch.write("c.yaml", TinyFineTune.yaml(name: "clip", seed: 6, optimizer: "{ name: sgd, lr: 0.01, momentum: 0\(clip) }",
                                                          train: ["freeze: none", "epochs: 1"]))
            let run = try scratch.pipe("run", "c.yaml")
            XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
            func weights(_ stage: String) throws -> [String: WeightArray] {
                let folder = try XCTUnwrap(try scratch.pipe("outputs", "c.yaml", stage).stdout.split(separator: "\t").last?
                    .trimmingCharacters(in: .newlines))
                return try SafeTensors.read(path: folder + "/" + Checkpoint.weightsName).arrays
            }
            let before = try weights("weights"), after = try weights("train")
            XCTAssertEqual(Set(before.keys), Set(after.keys))
            var sum = 0.0
            for (name, array) in after where !name.hasSuffix(".running_mean") && !name.hasSuffix(".running_var") {
                let (new, old) = (array.values, before[name]!.values)
                new.withUnsafeBufferPointer { new in
                    old.withUnsafeBufferPointer { old in
                        for i in 0..<new.count { sum += Double(new[i] - old[i]) * Double(new[i] - old[i]) }
                    }
                }
            }
            return sum.squareRoot()
        }
        let clipped = try movement(", clip_norm: 1"), free = try movement("")
        XCTAssertLessThanOrEqual(clipped, 0.01 * (1 + 1e-4), "the clipped step moves the backbone by at most lr * clip_norm")
        XCTAssertGreaterThan(clipped, 0.009, "the backbone carries nearly all of the clipped gradient")
        XCTAssertGreaterThan(free, 10, "without clipping the same step is far larger")
    }
}
