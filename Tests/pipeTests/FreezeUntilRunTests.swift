import Foundation
import Models
import XCTest

/// `freeze: {until: NAME}` trains only the layers after NAME; an unknown NAME fails with a suggestion.
final class FreezeUntilRunTests: XCTestCase {
    func testLayersThroughTheNamedStageKeepTheirImportedWeights() throws {
        let scratch = try Scratch()
        try scratch.write("f.yaml", TinyFineTune.yaml(name: "freeze", seed: 4, train: ["freeze: { until: conv4 }", "epochs: 2"]))
        let run = try scratch.pipe("run", "f.yaml")
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertTrue(run.stdout.contains("freezing the backbone through `conv4`"), run.stdout)
        func weights(_ stage: String) throws -> [String: WeightArray] {
            let folder = try XCTUnwrap(try scratch.pipe("outputs", "f.yaml", stage).stdout.split(separator: "\t").last?
                .trimmingCharacters(in: .newlines))
            return try SafeTensors.read(path: folder + "/" + Checkpoint.weightsName).arrays
        }
        let imported = try weights("weights"), trained = try weights("train")
        for name in ["conv1_conv.weight", "conv2_block1_1_conv.weight", "conv4_block24_2_conv.weight", "conv4_block24_0_bn.beta"] {
            XCTAssertEqual(trained[name]?.values, imported[name]?.values, "\(name) is frozen")
        }
        for name in ["pool4_conv.weight", "conv5_block16_2_conv.weight", "bn.beta"] {
            XCTAssertNotEqual(trained[name]?.values, imported[name]?.values, "\(name) trains")
        }

        try scratch.write("g.yaml", TinyFineTune.yaml(name: "freeze", seed: 4, train: ["freeze: { until: conv4_blok2 }", "epochs: 1"]))
        let wrong = try scratch.pipe("run", "g.yaml")
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue((wrong.stdout + wrong.stderr).contains("names no layer of the backbone (did you mean `conv4_block2`?)"),
                      wrong.stdout + wrong.stderr)
    }
}
