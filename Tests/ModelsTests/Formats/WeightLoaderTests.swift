import Foundation
import CNN
import XCTest
@testable import Models

/// Strict loading: every difference is reported in one message and nothing is loaded.
final class WeightLoaderTests: XCTestCase {
    private let torchFile = ModelsFixture.path("torch_densenet_tiny.safetensors")



    func testOneMessageListsMissingUnusedAndMismatchedWeightsAndNothingLoads() throws {
        var arrays = try SafeTensors.read(path: torchFile).arrays
        arrays["features.norm5.running_var"] = nil
        arrays["features.denseblock1.denselayer1.conv1.weight"] = nil
        arrays["extra.weight"] = WeightArray(shape: [2], values: [1, 2])
        let broken = try temporaryDirectory(self).appendingPathComponent("broken.safetensors").path
        try SafeTensors.write(arrays.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, to: broken)

        let model = try ModelsFixture.torchModel(classes: 4)
        let before = model.weightSlots.map { $0.target.array }
        let text = ModelsFixture.errorText { try model.loadWeights(path: broken) }
        XCTAssertEqual(text, """
            weights 'broken.safetensors' do not match the model; nothing was loaded:
              missing (2): features.denseblock1.denselayer1.conv1.weight, features.norm5.running_var
              unused (1): extra.weight
              shape mismatch: classifier.bias: expected [4], found [5]
              shape mismatch: classifier.weight: expected [4, 20], found [5, 20]
              check the architecture and variant (keras or torchvision), or load with the head skipped when the classifier differs
            """)
        XCTAssertEqual(model.weightSlots.map { $0.target.array }, before, "no tensor changed")
    }

    func testConvolutionShapesAreReportedInTheFilesLayout() throws {
        var arrays = try SafeTensors.read(path: torchFile).arrays
        arrays["features.conv0.weight"] = WeightArray(shape: [16, 3, 3, 3], values: Array(repeating: 0, count: 432))
        let broken = try temporaryDirectory(self).appendingPathComponent("stem.safetensors").path
        try SafeTensors.write(arrays.map { ($0.key, $0.value) }, to: broken)
        XCTAssertEqual(ModelsFixture.errorText { try ModelsFixture.torchModel().loadWeights(path: broken) }, """
            weights 'stem.safetensors' do not match the model; nothing was loaded:
              shape mismatch: features.conv0.weight: expected [16, 3, 7, 7], found [16, 3, 3, 3]
            """)
    }

    func testHeadlessModelRejectsAFileWithAHeadUnlessTheHeadIsSkipped() throws {
        let model = try ModelsFixture.torchModel(includeTop: false)
        XCTAssertEqual(ModelsFixture.errorText { try model.loadWeights(path: torchFile) }, """
            weights 'torch_densenet_tiny.safetensors' do not match the model; nothing was loaded:
              unused (2): classifier.bias, classifier.weight
              check the architecture and variant (keras or torchvision), or load with the head skipped when the classifier differs
            """)
        XCTAssertNoThrow(try model.loadWeights(path: torchFile, skipHead: true))
    }

    func testKerasFileIntoTorchvisionModelListsEveryName() throws {
        let model = try ModelsFixture.torchModel()
        let text = try XCTUnwrap(ModelsFixture.errorText { try model.loadWeights(path: ModelsFixture.path("keras_densenet_tiny.hdf5")) })
        let lines = text.split(separator: "\n")
        guard lines.count == 4 else { return XCTFail(text) }
        XCTAssertTrue(lines[1].hasPrefix("  missing (\(model.weightSlots.count)): classifier.bias, classifier.weight, features.conv0.weight"),
                      String(lines[1].prefix(120)))
        XCTAssertTrue(lines[2].hasPrefix("  unused ("), String(lines[2].prefix(120)))
        XCTAssertTrue(lines[2].contains("conv1_conv/kernel"))
    }

    func testUnknownAndMissingFilesSayWhatIsWrong() throws {
        let directory = try temporaryDirectory(self)
        let text = directory.appendingPathComponent("notes.h5")
        try Data("not weights".utf8).write(to: text)
        XCTAssertEqual(ModelsFixture.errorText { _ = try WeightFormat.detect(path: text.path) },
                       "cannot tell the format of '\(text.path)'; expected a .safetensors file, a PyTorch .pth file, "
                       + "a Keras .h5 file (*_tf_kernels*.h5) or a Keras 3 .weights.h5 file")
        let missing = directory.appendingPathComponent("absent.safetensors").path
        XCTAssertEqual(ModelsFixture.errorText { try ModelsFixture.torchModel().loadWeights(path: missing) },
                       "cannot read weights '\(missing)': no such file or not readable")
    }

    func testInspectListsAFilesTensorsWithoutAModel() throws {
        let (format, arrays) = try WeightLoader.inspect(path: ModelsFixture.path("keras_densenet_tiny.weights.hdf5"))
        XCTAssertEqual(format, .keras3)
        XCTAssertEqual(arrays["conv1_conv/vars/0"]?.shape, [7, 7, 3, 64])
        XCTAssertEqual(arrays["predictions/vars/1"]?.shape, [5])
        let legacy = try WeightLoader.inspect(path: ModelsFixture.path("keras_densenet_tiny.hdf5"))
        XCTAssertEqual(legacy.format, .kerasH5)
        XCTAssertEqual(legacy.arrays.count, arrays.count)
        XCTAssertEqual(legacy.arrays["conv1_bn/moving_variance"]?.shape, [64])
    }

    func testFormatsAreDetectedFromContents() throws {
        XCTAssertEqual(try WeightFormat.detect(path: ModelsFixture.path("keras_densenet_tiny.hdf5")), .kerasH5)
        XCTAssertEqual(try WeightFormat.detect(path: ModelsFixture.path("keras_densenet_tiny.weights.hdf5")), .keras3)
        XCTAssertEqual(try WeightFormat.detect(path: torchFile), .safetensors)
    }

    func testTorchvisionPublishedDenseNetKeysAreRenamed() throws {
        let arrays = try SafeTensors.read(path: torchFile).arrays
        let legacy = arrays.map { key, array in
            (key.replacingOccurrences(of: ".norm1.", with: ".norm.1.").replacingOccurrences(of: ".conv2.", with: ".conv.2."),
             array)
        }
        XCTAssertTrue(legacy.contains { $0.0 == "features.denseblock1.denselayer1.norm.1.weight" })
        let path = try temporaryDirectory(self).appendingPathComponent("legacy.safetensors").path
        try SafeTensors.write(legacy, to: path)
        XCTAssertNoThrow(try ModelsFixture.torchModel().loadWeights(path: path))
    }

    func testKerasAutomaticNamesAreRenumberedInCreationOrder() {
        let renamed = KerasWeights.ordinalNames(["conv2d", "conv2d_10", "conv2d_2", "batch_normalization_3", "mixed0",
                                                 "conv2d_transpose"], families: ["conv2d", "batch_normalization"])
        XCTAssertEqual(renamed, ["conv2d": "conv2d_1", "conv2d_2": "conv2d_2", "conv2d_10": "conv2d_3",
                                 "batch_normalization_3": "batch_normalization_1"])
    }

    func testKerasNamesAreNormalised() {
        XCTAssertEqual(KerasWeights.normalise("conv1/conv"), "conv1_conv")
        XCTAssertEqual(KerasWeights.variableName("conv1/conv/kernel:0"), "kernel")
        XCTAssertEqual(KerasWeights.variableName("conv1_bn/moving_variance"), "moving_variance")
    }
}
