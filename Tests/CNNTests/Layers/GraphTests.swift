import XCTest
@testable import CNN

/// The graph container: branching gradients, frozen-prefix skipping, buffer reuse, errors, repeatability.
final class GraphTests: XCTestCase {
    /// conv -> bn -> relu, then an Inception-style pair of branches concatenated, a residual add,
    /// global pooling, dropout and a dense head.
    static func branchyNet(seed: UInt64 = 1) -> (Graph, stem: [Layer]) {
        let graph = Graph()
        let conv = Conv2DLayer(name: "stem", inChannels: 2, outChannels: 4, window: WindowGeometry(kernel: 3, stride: 2, padding: 1), seed: seed)
        let bn = BatchNormLayer(name: "stem_bn", channels: 4)
        let relu = ReLULayer(name: "stem_relu")
        let a = graph.add(conv, inputs: [graph.input])
        let b = graph.add(bn, inputs: [a])
        let c = graph.add(relu, inputs: [b])
        let left = graph.add(Conv2DLayer(name: "left", inChannels: 4, outChannels: 2, window: WindowGeometry(kernel: 1), seed: seed + 1), inputs: [c])
        let right = graph.add(Conv2DLayer(name: "right", inChannels: 4, outChannels: 2,
                                          window: WindowGeometry(kernelHeight: 1, kernelWidth: 3, padLeft: 1, padRight: 1), seed: seed + 2),
                              inputs: [c])
        let joined = graph.add(ConcatLayer(name: "concat"), inputs: [left, right])
        let summed = graph.add(AddLayer(name: "residual"), inputs: [joined, c])
        graph.add(PoolLayer(name: "pool", kind: .average(countIncludePad: false), window: WindowGeometry(kernel: 2, stride: 1)), inputs: [summed])
        graph.append(GlobalAveragePoolLayer(name: "gap"))
        graph.append(DropoutLayer(name: "dropout", rate: 0.25, seed: seed))
        graph.append(DenseLayer(name: "head", inFeatures: 4, outFeatures: 3, seed: seed + 3))
        return (graph, [conv, bn, relu])
    }

    /// A residual sum with its ReLU fused in (`AddLayer.appliesReLU`) equals the sum followed by a ReLU layer:
    /// the same output and parameter gradients, bit for bit, in training and inference.
    func testResidualSumWithFusedReLUEqualsSeparateReLU() throws {
        func net(fused: Bool) -> (Graph, [Parameter]) {
            let graph = Graph()
            let left = graph.add(Conv2DLayer(name: "left", inChannels: 3, outChannels: 20, window: WindowGeometry(kernel: 1), seed: 5),
                                 inputs: [graph.input])
            let right = graph.add(Conv2DLayer(name: "right", inChannels: 3, outChannels: 20, window: WindowGeometry(kernel: 3, padding: 1),
                                              seed: 6), inputs: [graph.input])
            let sum = AddLayer(name: "sum")
            sum.appliesReLU = fused
            graph.add(sum, inputs: [left, right])
            if !fused { graph.append(ReLULayer(name: "relu")) }
            graph.append(GlobalAveragePoolLayer(name: "gap"))
            graph.append(DenseLayer(name: "head", inFeatures: 20, outFeatures: 4, seed: 7))
            return (graph, graph.parameters)
        }
        var random = TestRandom(seed: 22)
        let input = Tensor(shape: [2, 4, 5, 3], values: random.array(120))
        let projection = Tensor(shape: [2, 4], values: random.array(8))
        let (fused, fusedParameters) = net(fused: true), (separate, separateParameters) = net(fused: false)
        for mode in [Mode.training, .inference] {
            let a = try fused.forward(input, mode: mode).array, b = try separate.forward(input, mode: mode).array
            XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), "\(mode) output")
        }
        _ = try fused.forward(input, mode: .training)
        _ = try separate.forward(input, mode: .training)
        fused.backward(projection)
        separate.backward(projection)
        for (p, q) in zip(fusedParameters, separateParameters) {
            XCTAssertEqual(p.gradient.array.map(\.bitPattern), q.gradient.array.map(\.bitPattern), p.name)
            XCTAssertTrue(p.gradient.array.contains { $0 != 0 }, "\(p.name) has a gradient")
        }
    }

    func testBranchingGraphGradientsMatchFiniteDifferences() throws {
        let (graph, _) = Self.branchyNet()
        var random = TestRandom(seed: 21)
        let input = Tensor(shape: [2, 5, 6, 2], values: random.array(2 * 5 * 6 * 2))
        let projection = Tensor(shape: [2, 3], values: random.array(6))
        graph.freesActivations = false  // backward of the inference function reads every layer's input
        _ = try graph.forward(input, mode: .inference)
        graph.backward(projection)
        for parameter in graph.parameters {
            let analytic = parameter.gradient.array, point = parameter.value.array
            assertGradient(parameter.name, at: point, analytic: analytic) { values in
                for i in 0..<values.count { parameter.value.data[i] = values[i] }
                defer { for i in 0..<point.count { parameter.value.data[i] = point[i] } }
                return projectedLoss((try? graph.forward(input, mode: .inference))?.array ?? [], projection.array)
            }
        }
    }

    func testFrozenPrefixIsSkippedInBackward() throws {
        let (graph, stem) = Self.branchyNet()
        for layer in stem { layer.setFrozen(true) }
        let bn = stem[1] as! BatchNormLayer
        let input = Tensor(shape: [2, 5, 6, 2], values: TestRandom(seed: 3).generator.map(count: 120))
        let logits = try graph.forward(input, mode: .training)
        XCTAssertEqual(bn.runningMean.array, [0, 0, 0, 0], "a frozen batch norm keeps its statistics")
        let conv = stem[0] as! Conv2DLayer
        conv.weight.gradient.data[0] = 42
        graph.backward(Tensor(shape: logits.shape, values: [Float](repeating: 1, count: logits.count)))
        XCTAssertEqual(conv.weight.gradient.data[0], 42, "frozen weights get no gradient")
        XCTAssertEqual(graph.backwardLayerCount, graph.allLayers.count - 3, "the frozen stem's backward never runs")
        for layer in stem { layer.setFrozen(false) }
        _ = try graph.forward(input, mode: .training)
        graph.backward(Tensor(shape: logits.shape, values: [Float](repeating: 1, count: logits.count)))
        XCTAssertNotEqual(conv.weight.gradient.data[0], 42)
        XCTAssertNotEqual(bn.runningMean.array, [0, 0, 0, 0])
    }

    func testBuffersAreReusedAcrossSteps() throws {
        let (graph, _) = Self.branchyNet()
        let input = Tensor(shape: [2, 5, 6, 2])
        let first = try graph.forward(input, mode: .training)
        graph.backward(first)
        let capacity = graph.arena.capacity
        let second = try graph.forward(input, mode: .training)
        XCTAssertTrue(first === second, "the output tensor is reused")
        XCTAssertEqual(graph.arena.capacity, capacity)
    }

    /// Training with dropout and batch norm from a fixed seed is bit-for-bit repeatable.
    func testSeededTrainingIsRepeatable() throws {
        func run() throws -> [Float] {
            let (graph, _) = Self.branchyNet(seed: 5)
            var random = TestRandom(seed: 8)
            let input = Tensor(shape: [4, 5, 6, 2], values: random.array(240))
            let loss = SoftmaxCrossEntropy(labelSmoothing: 0.1)
            let optimizer = Adam.adamW()
            let schedule = LearningRateSchedule(base: 0.01, decay: .cosine(totalSteps: 6, minimum: 0), warmupSteps: 2)
            var losses: [Float] = []
            for step in 0..<6 {
                losses.append(try loss.forward(logits: graph.forward(input, mode: .training), labels: [0, 1, 2, 1]))
                graph.backward(loss.backward())
                clipGradientNorm(graph.parameters, maxNorm: 1)
                optimizer.step(graph.parameters, learningRate: schedule.rate(at: step))
            }
            return losses
        }
        let first = try run()
        XCTAssertEqual(first.map(\.bitPattern), try run().map(\.bitPattern))
    }

    func testShapeErrorsNameTheLayer() {
        let graph = Graph()
        graph.append(Conv2DLayer(name: "conv_a", inChannels: 3, outChannels: 2, window: WindowGeometry(kernel: 1)))
        XCTAssertThrowsError(try graph.forward(Tensor(shape: [1, 4, 4, 5]), mode: .inference)) { error in
            XCTAssertEqual(error as? CNNError, .shapeMismatch(layer: "conv_a", expected: [1, 4, 4, 3], actual: [1, 4, 4, 5]))
            XCTAssertEqual("\(error)", "layer 'conv_a': expected input shape [1, 4, 4, 3], got [1, 4, 4, 5]")
        }
        XCTAssertThrowsError(try SoftmaxCrossEntropy().forward(logits: Tensor(shape: [2, 3]), labels: [0, 3]))
    }
}
