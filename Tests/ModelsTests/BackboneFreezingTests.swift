import CNN
import XCTest
@testable import Models

/// `freeze: {until: NAME}`: the trunk is frozen through the last layer NAME covers, and trains after it.
final class BackboneFreezingTests: XCTestCase {
    func frozenNames(_ model: Model) -> [String] {
        model.flatTrunkLayers.filter { !$0.parameters.isEmpty && !$0.isTrainable }.map(\.name)
    }

    func testKerasStagePrefixFreezesThroughItsLastLayer() throws {
        let model = try Model(architecture: .densenet121, variant: .keras, options: ModelOptions(denseNet: DenseNetConfig(blocks: [2, 2])))
        XCTAssertEqual(model.freezeBackbone(through: "conv2"), 11, "conv1_conv, conv1_bn, pool1 and the 8 layers of two units")
        XCTAssertEqual(frozenNames(model), ["conv1_conv", "conv1_bn", "conv2_block1_0_bn", "conv2_block1_1_conv", "conv2_block1_1_bn",
                                            "conv2_block1_2_conv", "conv2_block2_0_bn", "conv2_block2_1_conv", "conv2_block2_1_bn",
                                            "conv2_block2_2_conv"])
        XCTAssertTrue(model.flatTrunkLayers.first { $0.name == "pool2_conv" }!.isTrainable, "the transition after conv2 trains")
        model.freezeBackbone(through: "conv2_block1_1_conv")
        XCTAssertEqual(frozenNames(model), ["conv1_conv", "conv1_bn", "conv2_block1_0_bn", "conv2_block1_1_conv"],
                       "a second call unfreezes what the first froze beyond the new point")
    }

    func testTorchvisionBlockNameAndUnknownName() throws {
        let model = try Model(architecture: .densenet121, variant: .torchvision, options: ModelOptions(denseNet: DenseNetConfig(blocks: [2, 2])))
        model.freezeBackbone(through: "features.denseblock1")
        XCTAssertEqual(frozenNames(model).last, "features.denseblock1.denselayer2.conv2")
        XCTAssertTrue(model.backboneLayerNames.contains("features.denseblock2"))
        let before = frozenNames(model)
        XCTAssertNil(model.freezeBackbone(through: "features.denseblock9"))
        XCTAssertEqual(frozenNames(model), before, "an unknown name changes nothing")
    }
}
