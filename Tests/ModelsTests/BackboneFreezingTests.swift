import CNN
import PipeBase
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

/// The node a `freeze: until` run caches: everything before it frozen, nothing after it reading past it,
/// and training from its cached inference-mode values equal to training through the frozen layers.
final class FrozenPrefixTests: XCTestCase {
    func testCutFollowsTheFrozenLayersAndSkipConnections() throws {
        let dense = try Model(architecture: .densenet121, variant: .keras, options: ModelOptions(denseNet: DenseNetConfig(blocks: [2, 2])))
        XCTAssertNil(dense.frozenPrefixNode, "nothing frozen")
        dense.freezeBackbone(through: "conv2")
        XCTAssertEqual(dense.frozenPrefixNode, 4, "conv1_conv, conv1_bn, pool1, then the conv2 block")
        dense.freezeBackbone(through: "conv2_block1_1_conv")
        XCTAssertEqual(dense.frozenPrefixNode, 3, "a partly frozen block is not cached: the cut is before it")

        for (architecture, points) in [(Architecture.resnet50, ["conv2_block1_1_conv", "conv2_block2_out", "conv3_block1_2_conv"]),
                                       (.inceptionV3, ["mixed0", "conv2d_20"])] {
            let model = try Model(architecture: architecture, variant: .keras, options: ModelOptions(includeTop: false))
            for point in points {
                XCTAssertNotNil(model.freezeBackbone(through: point), point)
                let cut = try XCTUnwrap(model.frozenPrefixNode, point)
                for (index, slot) in model.trunkLayers.enumerated() {
                    if index + 1 <= cut { XCTAssertFalse(slot.layer.isTrainable, "\(point): \(slot.layer.name) before the cut trains") }
                    if index + 1 > cut { XCTAssertTrue(slot.inputs.allSatisfy { $0 >= cut }, "\(point): \(slot.layer.name) reads past the cut") }
                }
            }
        }
    }

    func testTrainingFromTheCachedPrefixEqualsTrainingThroughIt() throws {
        let model = try Model(architecture: .densenet121, variant: .keras,
                              options: ModelOptions(includeTop: false, inputHeight: 32, inputWidth: 32,
                                                    denseNet: DenseNetConfig(blocks: [2, 2], growthRate: 4, initialFeatures: 8), seed: 2))
        model.freezeBackbone(through: "pool2")
        let cut = try XCTUnwrap(model.frozenPrefixNode)
        var random = SeededRandom(seed: 5)
        let input = Tensor(shape: [3, 32, 32, 3])
        for i in 0..<input.count { input.data[i] = random.nextUniform() * 2 - 1 }
        let cached = Tensor(shape: try model.graph.forward(input, mode: .inference, through: cut).shape)
        cached.copy(from: try model.graph.forward(input, mode: .inference, through: cut))
        let direct = try model.graph.forward(input, mode: .training).array
        let resumed = try model.graph.forward(resuming: cut, with: cached, mode: .training).array
        XCTAssertEqual(direct.count, resumed.count)
        for (a, b) in zip(direct, resumed) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }
}
