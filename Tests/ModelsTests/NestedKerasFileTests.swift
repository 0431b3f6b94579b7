import CNN
import Foundation
import XCTest
@testable import Models

/// A Keras 3 file that nests the backbone in a wrapper model (how fine-tuning notebooks save) loads the
/// backbone from the nested model and treats the wrapper's own layers as the file's head.
final class NestedKerasFileTests: XCTestCase {
    let path = ModelsFixture.path("keras_densenet_nested.weights.hdf5")

    private func backbone() throws -> Model {
        try Model(architecture: .densenet121, variant: .keras,
                  options: ModelOptions(includeTop: false, inputHeight: 32, inputWidth: 32, denseNet: DenseNetConfig(blocks: [1, 1, 1, 0])))
    }

    func testBackboneLoadsFromTheNestedModelAndMatchesKeras() throws {
        let model = try backbone()
        XCTAssertEqual(try model.loadWeights(path: path, skipHead: true), .keras3)
        let reference = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: ModelsFixture.path("keras_densenet_nested.json")))) as! [String: Any]
        let inputs = ModelsFixture.tensor(reference["inputs"]!), features = ModelsFixture.tensor(reference["features"]!)
        let output = try model.graph.forward(Tensor(shape: inputs.shape, values: inputs.values), mode: .inference)
        XCTAssertEqual(output.shape, features.shape)
        for (got, want) in zip(output.array, features.values) { XCTAssertEqual(got, want, accuracy: 1e-4) }
    }

    func testWrapperLayersAreTheHeadAndAreNamedWhenNotSkipped() throws {
        let listed = try WeightLoader.inspect(path: path).arrays.keys
        XCTAssertTrue(listed.contains("conv1_conv/vars/0"), "the nested model's layers are listed")
        XCTAssertTrue(listed.contains("wrapper:dense/vars/0"), "the wrapper's own layers are marked")
        let message = ModelsFixture.errorText { try self.backbone().loadWeights(path: self.path) } ?? ""
        XCTAssertTrue(message.contains("wrapper:dense/vars/0"), message)
    }
}
