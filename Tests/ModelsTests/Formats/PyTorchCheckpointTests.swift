import CNN
import Foundation
import XCTest
@testable import Models

/// PyTorch `.pth` files written by `Tests/Reference/make_pth_fixtures.py`, zip and legacy format, read back
/// with PyTorch's values and PyTorch's model outputs; damaged and unsupported files are refused by name.
final class PyTorchCheckpointTests: XCTestCase {
    nonisolated(unsafe) private static let fixtures: [String: Any] = {
        let data = try! Data(contentsOf: ModelsFixture.directory.appendingPathComponent("pth_fixtures.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()
    private let zipFile = ModelsFixture.path("torch_densenet_tiny.pth")
    private let legacyFile = ModelsFixture.path("torch_densenet_tiny_legacy.pth")



    /// A copy of a fixture cut to its first `length` bytes (negative: without the last `-length`).
    private func truncatedCopy(of path: String, length: Int) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let copy = try temporaryDirectory(self).appendingPathComponent("cut.pth")
        try data.prefix(length >= 0 ? length : data.count + length).write(to: copy)
        return copy.path
    }

    func testBothFormatsHoldExactlyTheSafetensorsValues() throws {
        let source = try SafeTensors.read(path: ModelsFixture.path("torch_densenet_tiny.safetensors")).arrays
        XCTAssertEqual(source.count, 73, "46 float tensors and 27 num_batches_tracked")
        XCTAssertEqual(try PyTorchCheckpoint.read(path: zipFile), source)
        let legacy = try PyTorchCheckpoint.read(path: legacyFile)
        XCTAssertNotNil(legacy["features.denseblock1.denselayer1.norm.1.weight"], "published DenseNet naming")
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: legacy.map { (legacyTorchvisionRenamed($0.key), $0.value) }), source)
        XCTAssertEqual(source["features.denseblock1.denselayer1.norm1.num_batches_tracked"]?.shape, [])
    }

    func testBothFormatsReproducePyTorchsProbabilities() throws {
        let densenet = Self.fixtures["densenet"] as! [String: Any]
        let (shape, bytes) = ModelsFixture.images(densenet["images"]!)
        let references = densenet["probabilities"] as! [String: Any]
        for file in [zipFile, legacyFile] {
            let model = try ModelsFixture.torchModel()
            XCTAssertEqual(try model.loadWeights(path: file), .pytorch)
            var input = [Float](repeating: 0, count: bytes.count)
            model.preprocessing.apply(rgb: bytes, into: &input)
            let probabilities = try model.predict(Tensor(shape: shape, values: input))
            let expected = ModelsFixture.tensor(references[(file as NSString).lastPathComponent]!)
            XCTAssertEqual(probabilities.shape, expected.shape)
            assertClose(probabilities.array, expected.values, tolerance: 1e-4, file)
            XCTAssertGreaterThan(expected.values.max() ?? 0, 0.3, "a reference that can tell models apart")
        }
    }

    func testStridedHalfDoubleIntegerAndScalarTensorsReadAsPyTorchReadsThem() throws {
        let cases = Self.fixtures["cases"] as! [String: Any]
        XCTAssertEqual(cases.count, 11)
        for file in ["pth_cases.pth", "pth_cases_legacy.pth"] {
            let arrays = try PyTorchCheckpoint.read(path: ModelsFixture.path(file))
            XCTAssertEqual(Set(arrays.keys), Set(cases.keys), file)
            for (name, encoded) in cases {
                let expected = ModelsFixture.tensor(encoded)
                XCTAssertEqual(arrays[name]?.shape, expected.shape, "\(file) \(name)")
                XCTAssertEqual(arrays[name]?.values, expected.values, "\(file) \(name)")
            }
        }
        let arrays = try PyTorchCheckpoint.read(path: ModelsFixture.path("pth_cases.pth"))
        XCTAssertEqual(arrays["long"]?.values, [7, -3, 12])
        XCTAssertEqual(arrays["scalar"], WeightArray(shape: [], values: [2.5]))
        XCTAssertEqual(arrays["bn.num_batches_tracked"]?.values, [42])
    }

    func testFilesPickledAsOldPyTorchWroteThemRead() throws {
        let expected = Self.fixtures["old_style"] as! [String: Any]
        let arrays = try PyTorchCheckpoint.read(path: ModelsFixture.path("pth_old_style.pth"))
        XCTAssertEqual(arrays["whole"], WeightArray(shape: [2, 5], values: ModelsFixture.tensor(expected["whole"]!).values))
        XCTAssertEqual(arrays["view"], WeightArray(shape: [2, 2], values: [0.25, 0.75, 0.5, 1]), "elements 5, 7, 6, 8 of the root")
        XCTAssertEqual(arrays["view"]?.values, ModelsFixture.tensor(expected["view"]!).values)
        XCTAssertEqual(arrays.count, 2)
    }

    func testFormatIsDetectedFromTheFirstBytes() throws {
        XCTAssertEqual(try WeightFormat.detect(path: zipFile), .pytorch)
        XCTAssertEqual(try WeightFormat.detect(path: legacyFile), .pytorch)
        XCTAssertEqual(WeightFormat.pytorch.variant, .torchvision)
        XCTAssertEqual(WeightFormat.pytorch.rawValue, "pytorch")
        let inspected = try WeightLoader.inspect(path: legacyFile)
        XCTAssertEqual(inspected.format, .pytorch)
        XCTAssertEqual(inspected.arrays["features.conv0.weight"]?.shape, [16, 3, 7, 7])
    }

    func testWrongShapesAreReportedLikeSafetensorsAndNothingLoads() throws {
        let model = try ModelsFixture.torchModel(classes: 4)
        let before = model.weightSlots.map { $0.target.array }
        XCTAssertEqual(ModelsFixture.errorText { try model.loadWeights(path: zipFile) }, """
            weights 'torch_densenet_tiny.pth' do not match the model; nothing was loaded:
              shape mismatch: classifier.bias: expected [4], found [5]
              shape mismatch: classifier.weight: expected [4, 20], found [5, 20]
            """)
        XCTAssertEqual(model.weightSlots.map { $0.target.array }, before)
        XCTAssertNoThrow(try model.loadWeights(path: legacyFile, skipHead: true))
    }

    func testTruncatedFilesSayWhereTheyEnd() throws {
        let size = try Data(contentsOf: URL(fileURLWithPath: legacyFile)).count
        let cutStorage = try truncatedCopy(of: legacyFile, length: -2)
        let text = try XCTUnwrap(ModelsFixture.errorText { _ = try PyTorchCheckpoint.read(path: cutStorage) })
        let pattern = try NSRegularExpression(pattern: "^cannot read weights '.*': the file is truncated: storage '[0-9]+' "
                                              + "needs ([0-9]+) bytes from byte ([0-9]+), but the file has ([0-9]+) left$")
        let match = try XCTUnwrap(pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)), text)
        let numbers = (1...3).map { Int((text as NSString).substring(with: match.range(at: $0)))! }
        XCTAssertEqual(numbers[1] + numbers[0], size, "the last storage ends the file")
        XCTAssertEqual(numbers[0] - numbers[2], 2, "2 bytes are missing")
        let cutPickle = try truncatedCopy(of: legacyFile, length: 300)
        let pickleText = try XCTUnwrap(ModelsFixture.errorText { _ = try PyTorchCheckpoint.read(path: cutPickle) })
        XCTAssertTrue(pickleText.hasPrefix("cannot read weights '\(cutPickle)': the state dict pickle, byte "), pickleText)
        XCTAssertTrue(pickleText.hasSuffix(": the pickle ends early (the file is truncated)"), pickleText)
        let cutZip = try truncatedCopy(of: zipFile, length: -200)
        XCTAssertTrue(ModelsFixture.errorText { _ = try PyTorchCheckpoint.read(path: cutZip) }!.hasPrefix(
            "cannot read weights '\(cutZip)': the zip archive is truncated or damaged ("))
    }

    func testGlobalsOutsideTheAllowListAreRefusedByName() {
        let path = ModelsFixture.path("pth_unknown_global.pth")
        XCTAssertEqual(ModelsFixture.errorText { _ = try PyTorchCheckpoint.read(path: path) },
                       "cannot read weights '\(path)': pth_unknown_global/data.pkl, byte 178: it names the Python global "
                       + "`datetime.date`, which is not part of a state dict of tensors, and pipe runs no code from weight "
                       + "files; save only the weights: torch.save(model.state_dict(), path)")
    }

    func testUnsupportedDtypeIsNamed() {
        let path = ModelsFixture.path("pth_complex.pth")
        XCTAssertEqual(ModelsFixture.errorText { _ = try PyTorchCheckpoint.read(path: path) },
                       "cannot read weights '\(path)': pth_complex/data.pkl, byte 234: unsupported dtype "
                       + "`torch.ComplexFloatStorage`: pipe reads floating-point and integer tensors only")
    }

    func testUnknownOpcodeIsNamedWithItsOffset() throws {
        let magic = [0x80, 0x02] + PyTorchCheckpoint.legacyMagic + [0x2E]
        let version: [UInt8] = [0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E]
        let info: [UInt8] = [0x80, 0x02, 0x7D, 0x2E]
        let main: [UInt8] = [0x80, 0x02, 0x7D, 0xFF]
        let path = try temporaryDirectory(self).appendingPathComponent("odd.pth").path
        try Data(magic + version + info + main).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try WeightFormat.detect(path: path), .pytorch)
        XCTAssertEqual(ModelsFixture.errorText { _ = try PyTorchCheckpoint.read(path: path) },
                       "cannot read weights '\(path)': the state dict pickle, byte 3: unknown pickle opcode 0xff; "
                       + "the file is damaged or uses a pickle feature PyTorch checkpoints do not")
    }

    func testATrainingCheckpointOrOtherFileIsNotTakenForAStateDict() throws {
        let directory = try temporaryDirectory(self)
        let list = directory.appendingPathComponent("list.pth").path
        let magic = [0x80, 0x02] + PyTorchCheckpoint.legacyMagic + [0x2E]
        let version: [UInt8] = [0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E]
        try Data(magic + version + [0x80, 0x02, 0x7D, 0x2E, 0x80, 0x02, 0x5D, 0x2E, 0x80, 0x02, 0x5D, 0x2E])
            .write(to: URL(fileURLWithPath: list))
        XCTAssertEqual(ModelsFixture.errorText { _ = try PyTorchCheckpoint.read(path: list) },
                       "cannot read weights '\(list)': it holds a list, not a state dict (name -> tensor); save model.state_dict()")
        let text = directory.appendingPathComponent("notes.pth").path
        try Data("PK but not really".utf8).write(to: URL(fileURLWithPath: text))
        XCTAssertEqual(ModelsFixture.errorText { _ = try PyTorchCheckpoint.read(path: text) },
                       "cannot read weights '\(text)': not a PyTorch checkpoint: it starts with neither a zip header "
                       + "nor the magic number of torch.save's legacy format")
    }

    func testInceptionAuxiliaryClassifierIsIgnoredAndReported() throws {
        let shapes = (Self.fixtures["inception_aux"] as! [String: Any]).mapValues { ModelsFixture.ints($0) }
        XCTAssertEqual(shapes["AuxLogits.fc.weight"], [1000, 768])
        let model = try Model(architecture: .inceptionV3, variant: .torchvision, options: ModelOptions(includeTop: false))
        var arrays: [String: WeightArray] = [:]
        for slot in model.weightSlots {
            arrays[slot.key] = WeightArray(shape: slot.sourceShape, values: [Float](repeating: 0.5, count: slot.target.count))
        }
        for (key, shape) in shapes {
            arrays[key] = WeightArray(shape: shape, values: [Float](repeating: 0, count: shape.reduce(1, *)))
        }
        let ignored = try WeightLoader.load(arrays, into: model, source: "inception_v3_google-0cc3c7bd.pth")
        XCTAssertEqual(ignored, shapes.keys.filter { !$0.hasSuffix("num_batches_tracked") }.sorted())
        XCTAssertEqual(ignored.count, 12)
        XCTAssertEqual(model.weightSlots.first?.target.array.first, 0.5)
        // Another model has no such part: the same keys are unused there.
        let densenet = try ModelsFixture.torchModel()
        var withAux = try PyTorchCheckpoint.read(path: zipFile)
        withAux["AuxLogits.fc.bias"] = WeightArray(shape: [1000], values: [Float](repeating: 0, count: 1000))
        XCTAssertTrue(ModelsFixture.errorText { try WeightLoader.load(withAux, into: densenet, source: "x") }!.contains("unused (1): AuxLogits.fc.bias"))
    }

    func testAHeadlessVGGLeavesOutTheWholeTorchvisionClassifier() throws {
        let model = try Model(architecture: .vgg16, variant: .torchvision, options: ModelOptions(includeTop: false))
        XCTAssertEqual(model.topKeyPrefixes, ["classifier."])
        var arrays: [String: WeightArray] = [:]
        for slot in model.weightSlots {
            arrays[slot.key] = WeightArray(shape: slot.sourceShape, values: [Float](repeating: 0.25, count: slot.target.count))
        }
        for (key, shape) in [("classifier.0.weight", [4096, 25088]), ("classifier.3.bias", [4096]), ("classifier.6.bias", [1000])] {
            arrays[key] = WeightArray(shape: shape, values: [Float](repeating: 0, count: shape.reduce(1, *)))
        }
        XCTAssertEqual(ModelsFixture.errorText { try WeightLoader.load(arrays, into: model, source: "vgg16-397923af.pth") }, """
            weights 'vgg16-397923af.pth' do not match the model; nothing was loaded:
              unused (3): classifier.0.weight, classifier.3.bias, classifier.6.bias
              check the architecture and variant (keras or torchvision), or load with the head skipped when the classifier differs
            """)
        XCTAssertEqual(try WeightLoader.load(arrays, into: model, source: "vgg16-397923af.pth", skipHead: true), [])
        XCTAssertEqual(model.weightSlots.last?.target.array.first, 0.25)
    }
}
