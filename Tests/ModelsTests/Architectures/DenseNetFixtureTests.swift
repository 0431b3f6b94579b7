import CNN
import XCTest
@testable import Models

/// Reduced DenseNets loaded from files Keras 3 and torchvision wrote reproduce those frameworks' predictions.
final class DenseNetFixtureTests: XCTestCase {
    private func kerasModel() throws -> Model {
        let fixture = ModelsFixture.object("keras_densenet_tiny")
        let options = ModelOptions(classes: 5, inputHeight: 32, inputWidth: 32,
                                   denseNet: DenseNetConfig(blocks: ModelsFixture.ints(fixture["blocks"])))
        return try Model(architecture: .densenet121, variant: .keras, options: options)
    }

    private func torchModel(classes: Int = 5, includeTop: Bool = true) throws -> Model {
        let fixture = ModelsFixture.object("torch_densenet_tiny")
        let config = DenseNetConfig(blocks: ModelsFixture.ints(fixture["blocks"]), growthRate: 8, initialFeatures: 16,
                                    bottleneckFactor: 4)
        let options = ModelOptions(includeTop: includeTop, classes: classes, inputHeight: 32, inputWidth: 32,
                                   denseNet: config)
        return try Model(architecture: .densenet121, variant: .torchvision, options: options)
    }

    /// Preprocesses the fixture's images with pipe's `Preprocessing`, checks them against Keras's
    /// `preprocess_input`, and compares the model's probabilities with the framework's.
    private func assertMatches(_ model: Model, fixture name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let fixture = ModelsFixture.object(name)
        let (shape, bytes) = ModelsFixture.images(fixture["images"]!)
        var input = [Float](repeating: 0, count: bytes.count)
        model.preprocessing.apply(rgb: bytes, into: &input)
        assertClose(input, ModelsFixture.tensor(fixture["inputs"]!).values, tolerance: 1e-5, "preprocessing", file: file, line: line)
        let probabilities = try model.predict(Tensor(shape: shape, values: input))
        let expected = ModelsFixture.tensor(fixture["probabilities"]!)
        XCTAssertEqual(probabilities.shape, expected.shape, file: file, line: line)
        assertClose(probabilities.array, expected.values, tolerance: 1e-4, "probabilities", file: file, line: line)
        XCTAssertEqual(argmaxRows(probabilities), argmaxRows(Tensor(shape: expected.shape, values: expected.values)),
                       "top-1 classes", file: file, line: line)
    }

    func testKerasLegacyH5ReproducesKerasPredict() throws {
        let model = try kerasModel()
        XCTAssertEqual(try model.loadWeights(path: ModelsFixture.path("keras_densenet_tiny.hdf5")), .kerasH5)
        XCTAssertEqual(model.preprocessing, .torch)
        try assertMatches(model, fixture: "keras_densenet_tiny")
    }

    func testKeras3WeightsH5ReproducesKerasPredict() throws {
        let model = try kerasModel()
        XCTAssertEqual(try model.loadWeights(path: ModelsFixture.path("keras_densenet_tiny.weights.hdf5")), .keras3)
        try assertMatches(model, fixture: "keras_densenet_tiny")
    }

    func testTorchvisionSafetensorsReproducesTorchOutput() throws {
        let model = try torchModel()
        XCTAssertEqual(try model.loadWeights(path: ModelsFixture.path("torch_densenet_tiny.safetensors")), .safetensors)
        XCTAssertEqual(model.preprocessing, .torch)
        try assertMatches(model, fixture: "torch_densenet_tiny")
    }

    func testKerasParameterCountMatchesKeras() throws {
        let model = try kerasModel()
        let expected = (ModelsFixture.object("keras_densenet_tiny")["parameters"] as! NSNumber).intValue
        XCTAssertEqual(model.weightSlots.map(\.target.count).reduce(0, +), expected)
    }

    func testExportedSafetensorsEqualTheTorchvisionFile() throws {
        let model = try torchModel()
        let original = ModelsFixture.path("torch_densenet_tiny.safetensors")
        try model.loadWeights(path: original)
        let exported = try temporaryDirectory(self).appendingPathComponent("export.safetensors").path
        try model.exportSafeTensors(path: exported)
        let before = try SafeTensors.read(path: original).arrays.filter { !$0.key.hasSuffix("num_batches_tracked") }
        XCTAssertEqual(try SafeTensors.read(path: exported).arrays, before)
    }

    func testReplacedHeadKeepsTheTrunkAndPredictsNewClasses() throws {
        let model = try torchModel(classes: 3)
        try model.loadWeights(path: ModelsFixture.path("torch_densenet_tiny.safetensors"), skipHead: true)
        XCTAssertEqual(model.head?.outFeatures, 3)
        let reference = try torchModel()
        try reference.loadWeights(path: ModelsFixture.path("torch_densenet_tiny.safetensors"))
        let batch = Tensor(shape: [1, 32, 32, 3], values: (0..<3072).map { Float($0 % 17) / 17 - 0.5 })
        model.removeHead()
        reference.removeHead()
        XCTAssertEqual(try model.logits(batch).array, try reference.logits(batch).array, "pooled features")
        model.replaceHead(classes: 2, seed: 9)
        let probabilities = try model.predict(batch)
        XCTAssertEqual(probabilities.shape, [1, 2])
        XCTAssertEqual(probabilities.array.reduce(0, +), 1, accuracy: 1e-5)
        XCTAssertEqual(model.headKeys, ["classifier.weight", "classifier.bias"])
    }
}

/// A Keras 2 style file (slash layer names, `:0` suffixes, fixed-length strings, `fc1000`) loads by name.
final class KerasLegacyNamingTests: XCTestCase {
    func testKeras2StyleFileLoadsEveryTensor() throws {
        let config = DenseNetConfig(blocks: [1], growthRate: 4, initialFeatures: 8, bottleneckFactor: 2)
        let model = try Model(architecture: .densenet121, variant: .keras,
                              options: ModelOptions(classes: 3, inputHeight: 32, inputWidth: 32, denseNet: config))
        XCTAssertEqual(try model.loadWeights(path: ModelsFixture.path("keras2_densenet_formula.hdf5")), .kerasH5)
        XCTAssertEqual(model.weightSlots.count, 21)
        for slot in model.weightSlots {
            XCTAssertTrue(slot.exportValues() == FormulaModelTests.formulaValues(slot.key, slot.sourceShape), slot.key)
        }
    }
}
