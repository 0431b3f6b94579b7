import CNN
import Foundation
import XCTest
@testable import Models

/// A Keras file (3 or 2 style) that nests the backbone in a wrapper model, as fine-tuning notebooks save,
/// loads the backbone from the nested model and treats the wrapper's own layers as the file's head.
final class NestedKerasFileTests: XCTestCase {
    let files: [(path: String, format: WeightFormat)] = [
        (ModelsFixture.path("keras_densenet_nested.weights.hdf5"), .keras3), (ModelsFixture.path("keras_densenet_nested.hdf5"), .kerasH5),
    ]

    private func backbone() throws -> Model {
        try Model(architecture: .densenet121, variant: .keras,
                  options: ModelOptions(includeTop: false, inputHeight: 32, inputWidth: 32, denseNet: DenseNetConfig(blocks: [1, 1, 1, 0])))
    }

    func testBackboneLoadsFromTheNestedModelAndMatchesKeras() throws {
        let reference = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: ModelsFixture.path("keras_densenet_nested.json")))) as! [String: Any]
        let inputs = ModelsFixture.tensor(reference["inputs"]!), features = ModelsFixture.tensor(reference["features"]!)
        for (path, format) in files {
            let model = try backbone()
            XCTAssertEqual(try model.loadWeights(path: path, skipHead: true), format)
            let output = try model.graph.forward(Tensor(shape: inputs.shape, values: inputs.values), mode: .inference)
            XCTAssertEqual(output.shape, features.shape)
            for (got, want) in zip(output.array, features.values) { XCTAssertEqual(got, want, accuracy: 1e-4, "\(format)") }
        }
    }

    func testWrapperLayersAreTheHeadAndAreNamedWhenNotSkipped() throws {
        for (path, format) in files {
            let listed = try WeightLoader.inspect(path: path).arrays.keys
            XCTAssertTrue(listed.contains { $0.hasPrefix("conv1_conv/") }, "\(format): the nested model's layers are listed")
            XCTAssertTrue(listed.contains { $0.hasPrefix("wrapper:dense/") }, "\(format): the wrapper's own layers are marked")
            let message = ModelsFixture.errorText { try self.backbone().loadWeights(path: path) } ?? ""
            XCTAssertTrue(message.contains("wrapper:dense/"), message)
        }
    }
}
