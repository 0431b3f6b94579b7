import CNN
import Crypto
import Foundation
import Models
import PipeSpec
@testable import Stages
import XCTest

/// `ClassifierExport` against PyTorch: the exported files, loaded strictly by
/// `Tests/Reference/load_exported_in_torch.py`, give the probabilities pipe gives.
final class ClassifierExportTests: XCTestCase {
    static let reference = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Reference/models/export")

    /// The reduced DenseNet of `torch_densenet_tiny` (its torchvision weights), or the same shape in Keras naming
    /// with seeded weights and non-trivial batch-norm statistics, with a deterministic four-layer head.
    static func classifier(_ variant: Variant) throws -> TrainedClassifier {
        let config = DenseNetConfig(blocks: [2, 1, 1], growthRate: 8, initialFeatures: 16, bottleneckFactor: 4)
        let model = try Model(architecture: .densenet121, variant: variant,
                              options: ModelOptions(includeTop: true, classes: 5, inputHeight: 32, inputWidth: 32, denseNet: config, seed: 3))
        if variant == .torchvision {
            let weights = reference.deletingLastPathComponent().appendingPathComponent("torch_densenet_tiny.safetensors")
            _ = try model.loadWeights(path: weights.path)
        }
        model.removeHead()
        let spec = try JSONValue.parse(Data(#"""
            [{"layer": "batch_norm"}, {"layer": "dense", "units": 6, "activation": "relu"}, {"layer": "dropout", "rate": 0.3},
             {"layer": "dense", "units": 2}]
            """#.utf8))
        let head = try ClassifierHead(spec: spec, features: model.featureCount, classes: 2, seed: 7, stage: "test")
        let statistics = (variant == .keras ? model.state : []) + head.state
        for (name, tensor) in statistics where name.hasSuffix(".running_mean") || name.hasSuffix(".running_var") {
            for i in 0..<tensor.count {
                tensor.data[i] = name.hasSuffix("mean") ? 0.1 * Float(sin(Double(i))) : 1 + 0.5 * Float(abs(cos(Double(i))))
            }
        }
        // Larger dense weights spread the seeded Keras model's probabilities away from 0.5.
        for parameter in head.parameters where variant == .keras && parameter.value.shape.count == 2 {
            for i in 0..<parameter.value.count { parameter.value.data[i] *= 10 }
        }
        head.attach(to: model)
        return TrainedClassifier(model: model, head: head, classes: ["benign", "malignant"], imageSize: 32)
    }

    static let cases: [(name: String, variant: Variant, threshold: Double?)] = [("torch_tiny", .torchvision, 0.4), ("keras_tiny", .keras, nil)]

    func testPyTorchLoadsTheExportAndGivesPipesProbabilities() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let update = ProcessInfo.processInfo.environment["PIPE_UPDATE_EXPORT_FIXTURE"] == "1"
        for (name, variant, threshold) in Self.cases {
            let classifier = try Self.classifier(variant)
            let config = try ClassifierExport.write(classifier, to: scratch.appendingPathComponent(name + ".safetensors"), threshold: threshold)
            if update {
                for file in [name + ".safetensors", name + ".json"] {
                    try? FileManager.default.removeItem(at: Self.reference.appendingPathComponent(file))
                    try FileManager.default.copyItem(at: scratch.appendingPathComponent(file), to: Self.reference.appendingPathComponent(file))
                }
                continue
            }
            let fixture = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: Self.reference.appendingPathComponent("torch_probabilities.json"))) as? [String: Any])
            for file in [name + ".safetensors", name + ".json"] {
                let exported = try Data(contentsOf: scratch.appendingPathComponent(file))
                let committed = Self.reference.appendingPathComponent(file)
                // The committed file is what the PyTorch probabilities were computed from.
                XCTAssertEqual(exported, try Data(contentsOf: committed), "\(file): the export changed; if intended, regenerate "
                               + "the fixture as Tests/Reference/load_exported_in_torch.py says")
                let recorded = (fixture[name] as? [String: Any])?["sha256"] as? [String: String]
                XCTAssertEqual(SHA256.hash(data: exported).map { String(format: "%02x", $0) }.joined(), recorded?[file],
                               "\(file): torch_probabilities.json was made from another file; rerun the script")
            }
            let written = try JSONValue.parse(Data(contentsOf: config))
            XCTAssertEqual(written["variant"]?.stringValue, variant.rawValue)
            XCTAssertEqual(written["classes"]?.arrayValue?.compactMap(\.stringValue), ["benign", "malignant"])
            XCTAssertEqual(written["threshold"]?.numberValue, threshold)
            let case_ = try XCTUnwrap(fixture[name] as? [String: Any])
            let images = try XCTUnwrap(case_["images"] as? [String: Any])
            let shape = try XCTUnwrap(images["shape"] as? [Int])
            let bytes = [UInt8](try XCTUnwrap(Data(base64Encoded: try XCTUnwrap(images["u8"] as? String))))
            let pixels = shape[1] * shape[2] * 3
            let rgb = (0..<shape[0]).map { Array(bytes[$0 * pixels..<($0 + 1) * pixels]) }
            let model = classifier.model
            let pipe = TrainedClassifier.softmaxRows(try model.logits(model.preprocessing.batch(rgb: rgb, height: shape[1], width: shape[2])))
            let torch = try XCTUnwrap(case_["probabilities"] as? [[Double]])
            XCTAssertEqual(pipe.count, torch.count)
            for (p, t) in zip(pipe, torch) {
                for (a, b) in zip(p, t) { XCTAssertEqual(a, b, accuracy: 1e-4, "\(name): pipe \(p), PyTorch \(t)") }
            }
        }
    }

    func testUnsupportedArchitecturesSayWhatExports() throws {
        let model = try Model(architecture: .vgg16, variant: .keras, options: ModelOptions(includeTop: false, inputHeight: 32, inputWidth: 32))
        XCTAssertThrowsError(try model.torchExport()) { error in
            XCTAssertTrue("\(error)".contains("supports DenseNets"), "\(error)")
        }
    }
}
