import Foundation
import Imaging
import Models
import XCTest

/// A fine-tune stage's output is one usable classifier: `pipe predict --model` classifies new images as
/// evaluate did, `--threshold-from` takes evaluate's threshold, and `pipe export` writes it for PyTorch.
final class TrainedModelCommandTests: XCTestCase {
    func testPredictAndExportUseTheFineTunedFolderAsItIs() throws {
        let scratch = try Scratch()
        let yaml = TinyFineTune.yaml(name: "artifact", seed: 3, train: ["epochs: 2"])
            + "  eval: { kind: evaluate, needs: [train, split], with: { threshold: youden-on-val, bootstrap: 5 } }\n"
        try scratch.write("p.yaml", yaml)
        let run = try scratch.pipe("run", "p.yaml")
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        func folder(_ stage: String) throws -> String {
            try XCTUnwrap(try scratch.pipe("outputs", "p.yaml", stage).stdout.split(separator: "\t").last?.trimmingCharacters(in: .newlines))
        }
        let train = try folder("train"), eval = try folder("eval")
        let csv = try String(contentsOfFile: eval + "/predictions.csv", encoding: .utf8)
        let rows = csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertGreaterThan(rows.count, 1)
        let images = rows.map { $0[0].hasPrefix("/") ? $0[0] : scratch.url($0[0]).path }
        let metrics = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: eval + "/metrics.json"))) as? [String: Any])
        let threshold = try XCTUnwrap(metrics["threshold"] as? Double)

        func predictions(_ options: [String]) throws -> [[String: Any]] {
            let result = try PipeBinary.run(["predict", "--model", train, "--json"] + options + images, in: scratch.root)
            XCTAssertEqual(result.status, 0, result.stderr)
            return try result.stdout.split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        }
        // The recorded classes, preprocessing and 32 px input size give evaluate's probabilities (printed to 6 decimals).
        let plain = try predictions([])
        XCTAssertEqual(plain.count, rows.count)
        for (row, object) in zip(rows, plain) {
            let p = try XCTUnwrap(object["probabilities"] as? [Double])
            XCTAssertEqual(p[1], Double(row[4])!, accuracy: 1e-6, row[0])
            XCTAssertEqual(object["class"] as? String, p[1] > p[0] ? "malignant" : "benign")
        }
        // evaluate's threshold decides as evaluate did.
        let decided = try predictions(["--threshold-from", eval])
        XCTAssertEqual(decided.map { $0["class"] as? String }, rows.map { $0[5] })
        XCTAssertEqual(decided.first?["threshold"] as? Double, threshold)
        XCTAssertEqual(try predictions(["--threshold", "0"]).map { $0["class"] as? String }, rows.map { _ in "malignant" })
        let text = try PipeBinary.run(["predict", "--model", train, images[0]], in: scratch.root)
        XCTAssertTrue(text.stdout.hasPrefix("\(images[0]): \(plain[0]["class"] as! String)\n"), text.stdout)
        XCTAssertTrue(text.stdout.contains("  benign\n") && text.stdout.contains("  malignant\n"), text.stdout)

        let noThreshold = try scratch.pipe("predict", "--model", train, "--threshold-from", train, images[0])
        XCTAssertEqual(noThreshold.status, 1)
        XCTAssertTrue(noThreshold.stderr.contains("metrics.json"), noThreshold.stderr)
        let backbone = try scratch.pipe("predict", "--model", try folder("weights"), images[0])
        XCTAssertEqual(backbone.status, 1)
        XCTAssertTrue(backbone.stderr.contains("no classification head") && backbone.stderr.contains("fine-tune"), backbone.stderr)

        let export = try scratch.pipe("export", train, "--format", "safetensors", "--output", "out/m.safetensors", "--threshold-from", eval)
        XCTAssertEqual(export.status, 0, export.stderr)
        let config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: scratch.url("out/m.json"))) as? [String: Any])
        XCTAssertEqual(config["threshold"] as? Double, threshold)
        XCTAssertEqual(config["classes"] as? [String], ["benign", "malignant"])
        XCTAssertEqual(config["input_size"] as? [Int], [32, 32])
        XCTAssertEqual(config["variant"] as? String, "keras")
        XCTAssertEqual((config["preprocessing"] as? [String: Any])?["mode"] as? String, "torch")
        let tensors = try SafeTensors.read(path: scratch.url("out/m.safetensors").path).arrays
        XCTAssertEqual(tensors["features.conv0.weight"]?.shape, [64, 3, 7, 7], "torchvision names, OIHW")
        XCTAssertEqual(tensors["head.0.weight"]?.shape, [2, 1024], "the head's linear weight is [out, in]")
    }

    /// `--arch inception_v3` reads 299 px images by default, as its ImageNet weights were trained.
    func testInceptionV3PredictsAt299PixelsByDefault() throws {
        let scratch = try Scratch()
        let model = try Model(architecture: .inceptionV3, variant: .torchvision, options: ModelOptions(inputHeight: 299, inputWidth: 299))
        try model.exportSafeTensors(path: scratch.url("inception.safetensors").path)
        let bytes: [UInt8] = (0..<(320 * 320 * 3)).map { (index: Int) -> UInt8 in UInt8(truncatingIfNeeded: index * 7 + index / 960) }
        try PNGCodec.write(try Image(width: 320, height: 320, format: .rgb8, bytes: bytes), to: scratch.url("a.png"))
        func logits(_ extra: [String]) throws -> [Double] {
            let result = try PipeBinary.run(["predict", "--arch", "inceptionv3", "--weights", "inception.safetensors", "--json", "a.png"] + extra, in: scratch.root)
            XCTAssertEqual(result.status, 0, result.stderr)
            return try XCTUnwrap((JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])?["logits"] as? [Double])
        }
        let byDefault = try logits([]), at299 = try logits(["--size", "299"])
        XCTAssertEqual(byDefault, at299)
    }
}
