import CNN
import XCTest
@testable import Models

/// Full-size architectures have the frameworks' parameter counts (recorded by the fixture script).
final class ArchitectureTests: XCTestCase {
    private func counts(_ key: String) -> (weights: Int, trainable: Int) {
        let entry = (ModelsFixture.object("parameter_counts")[key] as! [String: Any])
        return ((entry["weights"] as! NSNumber).intValue, (entry["trainable"] as! NSNumber).intValue)
    }

    private func assertCounts(_ architecture: Architecture, _ variant: Variant, includeTop: Bool = true,
                              topWeights: Int = 0, file: StaticString = #filePath, line: UInt = #line) throws {
        let model = try Model(architecture: architecture, variant: variant, options: ModelOptions(includeTop: includeTop))
        let expected = counts("\(variant.rawValue)/\(architecture.rawValue)")
        let trainable = model.graph.parameters.filter { !$0.isFrozen }.map(\.value.count).reduce(0, +)
        XCTAssertEqual(model.weightSlots.map(\.target.count).reduce(0, +) + topWeights, expected.weights,
                       "\(variant) \(architecture) weights", file: file, line: line)
        XCTAssertEqual(trainable + topWeights, expected.trainable, "\(variant) \(architecture) trainable", file: file, line: line)
    }

    func testDenseNetParameterCounts() throws {
        for architecture in [Architecture.densenet121, .densenet169, .densenet201] {
            for variant in Variant.allCases { try assertCounts(architecture, variant) }
        }
    }

    /// VGG19 without its fully connected top (fc1, fc2, predictions: 123,642,856 weights), which would
    /// allocate half a gigabyte; VGG16, ResNet50 and InceptionV3 are counted in `FormulaModelTests`.
    func testVGG19ConvolutionalParameterCounts() throws {
        for variant in Variant.allCases { try assertCounts(.vgg19, variant, includeTop: false, topWeights: 123_642_856) }
    }

    func testNamesParseLeniently() throws {
        XCTAssertEqual(try Architecture(name: "DenseNet-121"), .densenet121)
        XCTAssertEqual(try Architecture(name: "inceptionv3"), .inceptionV3)
        XCTAssertEqual(try Architecture(name: "ResNet50"), .resnet50)
        XCTAssertThrowsError(try Architecture(name: "alexnet")) {
            XCTAssertEqual("\($0)", "unknown architecture 'alexnet'; use one of: densenet121, densenet169, densenet201, "
                           + "resnet50, vgg16, vgg19, inception_v3")
        }
    }

    func testKerasAndTorchvisionDiffer() throws {
        let keras = try Model(architecture: .densenet121, variant: .keras, options: ModelOptions(denseNet: DenseNetConfig(blocks: [1])))
        let torch = try Model(architecture: .densenet121, variant: .torchvision, options: ModelOptions(denseNet: DenseNetConfig(blocks: [1])))
        let kerasBN = keras.graph.allLayers.compactMap { $0 as? BatchNormLayer }
        let torchBN = torch.graph.allLayers.compactMap { $0 as? BatchNormLayer }
        XCTAssertEqual(kerasBN.map(\.epsilon), Array(repeating: 1.001e-5, count: 4))
        XCTAssertEqual(torchBN.map(\.epsilon), Array(repeating: 1e-5, count: 4))
        XCTAssertEqual(keras.weightSlots.first?.key, "conv1_conv/kernel")
        XCTAssertEqual(torch.weightSlots.first?.key, "features.conv0.weight")
        XCTAssertEqual(keras.weightSlots.map(\.key).last, "predictions/bias")
        XCTAssertEqual(Architecture.resnet50.preprocessing(for: .keras), .caffe)
        XCTAssertEqual(Architecture.inceptionV3.preprocessing(for: .keras), .tf)
        XCTAssertEqual(Architecture.vgg19.preprocessing(for: .torchvision), .torch)
    }
}
