import CNN
import Foundation
import XCTest
@testable import Models

final class CheckpointTests: XCTestCase {
    private func tinyModel(variant: Variant, classes: Int = 3) throws -> Model {
        let config = DenseNetConfig(blocks: [1, 1], growthRate: 4, initialFeatures: 8, bottleneckFactor: 2)
        return try Model(architecture: .densenet169, variant: variant,
                         options: ModelOptions(classes: classes, inputHeight: 16, inputWidth: 16, denseNet: config, seed: 3))
    }

    private let batch = Tensor(shape: [2, 16, 16, 3], values: (0..<1536).map { Float(($0 * 7) % 23) / 23 - 0.5 })

    func testSaveThenLoadRebuildsTheSameModel() throws {
        for variant in Variant.allCases {
            let model = try tinyModel(variant: variant)
            let bn = try XCTUnwrap(model.graph.allLayers.compactMap { $0 as? BatchNormLayer }.first)
            for i in 0..<bn.channels { bn.runningMean.data[i] = Float(i) * 0.1; bn.runningVariance.data[i] = 2 }
            model.preprocessing = .tf
            let directory = try temporaryDirectory(self).appendingPathComponent("ckpt").path
            let source = ModelManifest.SourceWeights(name: "densenet169.safetensors", sha256: String(repeating: "ab", count: 32))
            try Checkpoint.save(model, to: directory, classNames: ["benign", "malignant", "normal"], sourceWeights: source)
            let (loaded, manifest) = try Checkpoint.load(from: directory)
            XCTAssertEqual(manifest.classNames, ["benign", "malignant", "normal"])
            XCTAssertEqual(manifest.sourceWeights, source)
            XCTAssertEqual(manifest.architecture, .densenet169)
            XCTAssertEqual(manifest.variant, variant)
            XCTAssertEqual(loaded.preprocessing, .tf)
            XCTAssertEqual(loaded.options, model.options)
            XCTAssertEqual(try loaded.predict(batch).array, try model.predict(batch).array, "\(variant)")
        }
    }

    func testCheckpointTensorsUsePipeNamesAndLayout() throws {
        let model = try tinyModel(variant: .keras)
        let directory = try temporaryDirectory(self).path
        try Checkpoint.save(model, to: directory)
        let (arrays, metadata) = try SafeTensors.read(path: directory + "/model.safetensors")
        XCTAssertEqual(metadata, ["format": "pipe-model/1", "architecture": "densenet169", "variant": "keras"])
        XCTAssertEqual(arrays["conv1_conv.weight"]?.shape, [7, 7, 3, 8])
        XCTAssertEqual(arrays["conv1_bn.running_var"]?.shape, [8])
        XCTAssertEqual(arrays["predictions.weight"]?.shape, [model.featureCount, 3])
        XCTAssertEqual(arrays.count, model.state.count)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/model.json")))
            as? [String: Any]
        XCTAssertEqual(manifest?["format"] as? String, "pipe-model/1")
        XCTAssertEqual(manifest?["architecture"] as? String, "densenet169")
    }

    func testCorruptCheckpointsAreReported() throws {
        let directory = try temporaryDirectory(self).path
        XCTAssertThrowsError(try Checkpoint.load(from: directory)) {
            XCTAssertEqual("\($0)", "invalid pipe checkpoint '\(directory)': no model.json in it")
        }
        let model = try tinyModel(variant: .torchvision)
        try Checkpoint.save(model, to: directory)
        var arrays = try SafeTensors.read(path: directory + "/model.safetensors").arrays
        arrays["classifier.bias"] = WeightArray(shape: [2], values: [0, 0])
        try SafeTensors.write(arrays.map { ($0.key, $0.value) }, to: directory + "/model.safetensors")
        XCTAssertThrowsError(try Checkpoint.load(from: directory)) {
            XCTAssertEqual("\($0)", """
                weights '\((directory as NSString).lastPathComponent)/model.safetensors' do not match the model; nothing was loaded:
                  shape mismatch: classifier.bias: expected [3], found [2]
                """)
        }
    }

    func testClassNamesMustMatchTheHead() throws {
        let model = try tinyModel(variant: .keras)
        XCTAssertThrowsError(try Checkpoint.save(model, to: try temporaryDirectory(self).path, classNames: ["a"])) {
            XCTAssertEqual("\($0)", "invalid model configuration: 1 class names for a model with 3 classes")
        }
    }
}
