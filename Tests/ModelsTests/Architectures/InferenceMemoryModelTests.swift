import CNN
import PipeBase
import XCTest
@testable import Models

/// Every architecture frees its feature maps as inference goes, with the same bits as keeping them all, and
/// holds a few of the largest feature maps at once instead of every layer's (ResNet50 at 32 px keeps 41 of them
/// when it does not free, VGG19 10, InceptionV3 12).
final class InferenceMemoryModelTests: XCTestCase {
    private func check(_ architecture: Architecture, size: Int, denseNet: DenseNetConfig? = nil, includeTop: Bool = true,
                       heldInLargest bound: Double, file: StaticString = #filePath, line: UInt = #line) throws {
        let model = try Model(architecture: architecture, variant: .torchvision,
                              options: ModelOptions(includeTop: includeTop, classes: 5, inputHeight: size, inputWidth: size,
                                                    denseNet: denseNet, seed: 2))
        var generator = SeededRandom(seed: 11)
        let input = Tensor(shape: [2, size, size, 3], values: (0..<(2 * size * size * 3)).map { _ in generator.nextUniform() * 2 - 1 })
        let graph = model.graph
        graph.freesActivations = false
        let expected = try graph.forward(input, mode: .inference).array
        let featureNode = model.featureMapNodeIndex
        let expectedFeatures = featureNode.flatMap { graph.value(at: $0)?.array }
        let sizes = (0..<graph.output.index + 1).dropFirst().compactMap { graph.value(at: $0) }.filter { $0.shape.count == 4 }
            .map { $0.count * MemoryLayout<Float>.stride }
        let largest = sizes.max()!, sum = sizes.reduce(0, +)
        graph.freesActivations = true
        for pass in 0..<2 {
            let output = try graph.forward(input, mode: .inference)
            XCTAssertEqual(output.array.map(\.bitPattern), expected.map(\.bitPattern), "\(architecture) pass \(pass)", file: file, line: line)
        }
        if let featureNode {
            XCTAssertEqual(graph.value(at: featureNode)?.array, expectedFeatures, "the feature map is kept", file: file, line: line)
        }
        let held = graph.pool.heldBytes
        XCTAssertLessThanOrEqual(Double(held), bound * Double(largest),
                                 "\(architecture): \(held) bytes held, peak \(graph.pool.peakLiveBytes) lent, largest feature map \(largest), all of them \(sum)",
                                 file: file, line: line)
    }

    func testResNet50() throws {
        // A block's input waits for the residual add while its branch runs.
        try check(.resnet50, size: 32, heldInLargest: 3.5)
    }

    func testVGG19() throws {
        // A convolution's input and output, and a quarter for a max pool's winners.
        try check(.vgg19, size: 32, includeTop: false, heldInLargest: 2.25)
    }

    func testInceptionV3() throws {
        // A mixed block's input, its branches' outputs and their concatenation.
        try check(.inceptionV3, size: 75, heldInLargest: 3.5)
    }

    /// A dense block's output and its three shared unit buffers, which are as wide as its widest unit.
    func testDenseNet() throws {
        try check(.densenet121, size: 32, denseNet: DenseNetConfig(blocks: [2, 2]), heldInLargest: 4)
    }
}
