import CNN
import Foundation
import Imaging
import Models
import XCTest

/// `pipe predict` and `pipe weights inspect` through the binary, on a small DenseNet checkpoint.
final class PredictCommandTests: XCTestCase {
    private var scratch: Scratch!
    private var model: Model!

    override func setUpWithError() throws {
        scratch = try Scratch()
        let options = ModelOptions(includeTop: true, classes: 3, inputHeight: 32, inputWidth: 32,
                                   denseNet: DenseNetConfig(blocks: [1, 1, 1, 1], growthRate: 4, initialFeatures: 8), seed: 5)
        model = try Model(architecture: .densenet121, variant: .keras, options: options)
        try Checkpoint.save(model, to: scratch.url("ckpt").path, classNames: ["benign", "malignant", "other"])
        for (name, size) in [("a.png", 32), ("b.png", 48)] {
            let bytes = (0..<(size * size * 3)).map { UInt8(($0 * 31 + size) % 256) }
            try PNGCodec.write(try Image(width: size, height: size, format: .rgb8, bytes: bytes), to: scratch.url(name))
        }
    }

    func testJSONOutputEqualsTheLibrarysPrediction() throws {
        let result = try scratch.pipe("predict", "--model", "ckpt", "--size", "32", "--json", "a.png", "b.png")
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        // The library path: decode, resize the 48 px image to 32 (the 32 px one is used as it is), preprocess, predict.
        let decoded = try ["a.png", "b.png"].map { try Resizer.resize(try ImageDecoder.decode(contentsOf: scratch.url($0), as: .rgb8), width: 32, height: 32) }
        let expected = try model.predict(model.preprocessing.batch(rgb: decoded.map { $0.rgbBytes() }, height: 32, width: 32))
        for (row, line) in lines.enumerated() {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertTrue((object["image"] as? String)?.hasSuffix(["a.png", "b.png"][row]) ?? false)
            let probabilities = try XCTUnwrap(object["probabilities"] as? [Double])
            XCTAssertEqual((object["logits"] as? [Double])?.count, 3)
            for k in 0..<3 { XCTAssertEqual(probabilities[k], Double(expected.data[row * 3 + k]), accuracy: 1e-6) }
            XCTAssertEqual(probabilities.reduce(0, +), 1, accuracy: 1e-5)
        }
    }

    func testTopClassesUseTheCheckpointsClassNamesAndBadImagesAreNamed() throws {
        try scratch.write("broken.png", "not an image")
        let result = try scratch.pipe("predict", "--model", "ckpt", "--size", "32", "a.png", "broken.png")
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stdout.contains("a.png: "), result.stdout)
        XCTAssertTrue(result.stdout.contains("malignant") && result.stdout.contains("benign"), result.stdout)
        XCTAssertTrue(result.stderr.contains("broken.png: error: "), result.stderr)
        XCTAssertEqual(try scratch.pipe("predict", "a.png").status, 2, "--model or --arch/--weights is required")
    }

    func testInspectDescribesACheckpoint() throws {
        let result = try scratch.pipe("weights", "inspect", "ckpt")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("pipe checkpoint: densenet121 (keras naming), 3 classes, torch preprocessing"), result.stdout)
        XCTAssertTrue(result.stdout.contains("checkpoint loads: all \(model.state.count) tensors match"), result.stdout)
        XCTAssertTrue(result.stdout.contains("safetensors, \(model.state.count) tensors"), result.stdout)
    }

    func testInspectChecksAFileAgainstAnArchitecture() throws {
        let torch = try Model(architecture: .densenet121, variant: .torchvision, options: ModelOptions(includeTop: true, classes: 2))
        try torch.exportSafeTensors(path: scratch.url("dn.safetensors").path)
        let fits = try scratch.pipe("weights", "inspect", "dn.safetensors", "--arch", "densenet121")
        XCTAssertEqual(fits.status, 0, fits.stderr)
        XCTAssertTrue(fits.stdout.contains("features.conv0.weight\t[64, 3, 7, 7]\tfloat32\t9408"), String(fits.stdout.prefix(300)))
        XCTAssertTrue(fits.stdout.contains("densenet121 (torchvision): all \(torch.weightSlots.count) tensors match"), String(fits.stdout.suffix(300)))
        let wrong = try scratch.pipe("weights", "inspect", "dn.safetensors", "--arch", "densenet169")
        XCTAssertTrue(wrong.stdout.contains("densenet169: "), String(wrong.stdout.suffix(300)))
        XCTAssertTrue(wrong.stdout.contains("missing"), String(wrong.stdout.suffix(600)))
    }
}
