import XCTest
@testable import CNN

/// After a warm-up step, a whole training step creates no tensors.
final class SteadyStateAllocationTests: XCTestCase {
    func testTrainingStepAllocatesNoTensors() throws {
        let (graph, _) = GraphTests.branchyNet()
        let input = Tensor(shape: [2, 5, 6, 2], values: TestRandom(seed: 4).generator.map(count: 120))
        let loss = SoftmaxCrossEntropy(classWeights: [1, 2, 1])
        let optimizer = SGD(momentum: 0.9, nesterov: true)
        func step() throws {
            _ = try loss.forward(logits: graph.forward(input, mode: .training), labels: [1, 2])
            graph.backward(loss.backward())
            optimizer.step(graph.parameters, learningRate: 0.01)
        }
        try step()
        let before = Tensor.allocationCount
        try step()
        try step()
        XCTAssertEqual(Tensor.allocationCount, before)
    }
}
