import XCTest
@testable import CNN

/// Inference passes that free feature maps as they go: the same bits as keeping every layer's output, and
/// memory that follows the largest activations rather than their sum.
final class InferenceMemoryTests: XCTestCase {
    /// A small VGG-style chain: conv-relu pairs of `width` channels with a max pool between them.
    static func chain(width: Int = 8, stages: Int = 3) -> Graph {
        let graph = Graph()
        var channels = 3
        for stage in 0..<stages {
            for index in 0..<2 {
                let name = "s\(stage)_\(index)"
                graph.append(Conv2DLayer(name: name, inChannels: channels, outChannels: width,
                                         window: WindowGeometry(kernel: 3, stride: 1, padding: 1), seed: UInt64(stage * 2 + index)))
                graph.append(ReLULayer(name: name + "_relu"))
                channels = width
            }
            graph.append(PoolLayer(name: "pool\(stage)", kind: .max, window: WindowGeometry(kernel: 2, stride: 2)))
        }
        graph.append(GlobalAveragePoolLayer(name: "gap"))
        graph.append(DenseLayer(name: "head", inFeatures: channels, outFeatures: 3, seed: 9))
        return graph
    }

    private func input(_ shape: [Int], seed: UInt64 = 3) -> Tensor {
        var random = TestRandom(seed: seed)
        return Tensor(shape: shape, values: random.array(shape.reduce(1, *)))
    }

    private func assertSameBits(_ build: () -> Graph, input: Tensor, file: StaticString = #filePath, line: UInt = #line) throws {
        let keeping = build()
        keeping.freesActivations = false
        let expected = try keeping.forward(input, mode: .inference).array
        let freeing = build()
        for pass in 0..<2 {
            let output = try freeing.forward(input, mode: .inference)
            XCTAssertEqual(output.array.map(\.bitPattern), expected.map(\.bitPattern), "pass \(pass)", file: file, line: line)
        }
        XCTAssertGreaterThan(freeing.pool.peakLiveBytes, 0, "feature maps came from the pool", file: file, line: line)
    }

    func testFreeingGivesTheSameBitsOnABranchingGraph() throws {
        try assertSameBits({ GraphTests.branchyNet(seed: 4).0 }, input: input([2, 5, 6, 2]))
    }

    func testFreeingGivesTheSameBitsOnAChain() throws {
        try assertSameBits({ Self.chain() }, input: input([2, 16, 16, 3]))
    }

    /// A conv-relu chain holds a layer's input and output at once (a max pool keeps no winners in inference):
    /// twice the largest feature map, where keeping every output would take all fifteen.
    func testPeakLiveBytesFollowTheLargestFeatureMap() throws {
        let graph = Self.chain()
        _ = try graph.forward(input([2, 16, 16, 3]), mode: .inference)
        let largest = 2 * 16 * 16 * 8 * MemoryLayout<Float>.stride
        XCTAssertEqual(graph.pool.heldBytes, 2 * largest)
        XCTAssertLessThanOrEqual(graph.pool.peakLiveBytes, graph.pool.heldBytes)
        XCTAssertEqual(graph.pool.liveBytes, 0, "every feature map went back: the output is a feature vector")
        let held = graph.pool.heldBytes
        _ = try graph.forward(input([2, 16, 16, 3], seed: 4), mode: .inference)
        XCTAssertEqual(graph.pool.heldBytes, held, "a second pass of the same shape reuses the buffers")
    }

    /// The returned node's value and kept nodes survive the pass; freed nodes have no value.
    func testKeptNodesKeepTheirValues() throws {
        let reference = Self.chain()
        reference.freesActivations = false
        let x = input([2, 16, 16, 3])
        _ = try reference.forward(x, mode: .inference)
        let graph = Self.chain()
        graph.keep(Graph.Node(index: 4))
        let features = try graph.forward(x, mode: .inference, through: 8)
        XCTAssertEqual(features.array, reference.value(at: 8)!.array)
        XCTAssertEqual(graph.value(at: 4)?.array, reference.value(at: 4)!.array)
        XCTAssertNil(graph.value(at: 3))
    }

    /// Training after an inference pass lets go of the pool and still matches a graph that never freed.
    func testTrainingAfterFreeingInferenceIsUnchanged() throws {
        let x = input([2, 5, 6, 2])
        let (plain, _) = GraphTests.branchyNet(seed: 6)
        let (freeing, _) = GraphTests.branchyNet(seed: 6)
        _ = try freeing.forward(x, mode: .inference)
        let expected = try plain.forward(x, mode: .training)
        plain.backward(expected)
        let output = try freeing.forward(x, mode: .training)
        freeing.backward(output)
        XCTAssertEqual(freeing.pool.heldBytes, 0)
        XCTAssertEqual(output.array.map(\.bitPattern), expected.array.map(\.bitPattern))
        XCTAssertEqual(freeing.parameters.map { $0.gradient.array.map(\.bitPattern) },
                       plain.parameters.map { $0.gradient.array.map(\.bitPattern) })
    }
}
