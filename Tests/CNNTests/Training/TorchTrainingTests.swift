import XCTest
@testable import CNN

/// Optimizers, schedules, clipping and a short training run against PyTorch.
final class TorchTrainingTests: XCTestCase {
    func optimizer(kind: String, config: [String: Any]) -> (Optimizer, Float) {
        func value(_ key: String, _ fallback: Float) -> Float { (config[key] as? NSNumber)?.floatValue ?? fallback }
        let lr = value("lr", 0)
        switch kind {
        case "sgd":
            return (SGD(momentum: value("momentum", 0), weightDecay: value("weight_decay", 0),
                        nesterov: (config["nesterov"] as? Bool) ?? false), lr)
        case "adam":
            return (Adam(beta1: value("beta1", 0.9), beta2: value("beta2", 0.999), epsilon: value("eps", 1e-8),
                         weightDecay: value("weight_decay", 0)), lr)
        default:
            return (Adam.adamW(weightDecay: value("weight_decay", 0.01)), lr)
        }
    }

    func testOptimizersMatchTorch() throws {
        let root = try XCTUnwrap(Fixture.load("optim") as? [String: Any])
        for object in try XCTUnwrap(root["optimizers"] as? [[String: Any]]) {
            let c = Fixture(object: object)
            let (optimizer, lr) = optimizer(kind: c.string("kind"), config: object["config"] as! [String: Any])
            let parameter = Parameter(name: "p", value: c.tensor("initial"))
            let gradients = (object["gradients"] as! [[String: Any]]).map { Fixture.decode($0).values }
            let expected = (object["values"] as! [[String: Any]]).map { Fixture.decode($0).values }
            for (step, gradient) in gradients.enumerated() {
                for i in 0..<gradient.count { parameter.gradient.data[i] = gradient[i] }
                optimizer.step([parameter], learningRate: lr)
                assertClose(parameter.value.array, expected[step], relative: 1e-5, "\(c.string("kind")) \(object["config"]!) step \(step)")
            }
        }
    }

    func testSchedulesMatchTorch() throws {
        let root = try XCTUnwrap(Fixture.load("optim") as? [String: Any])
        let schedules = try XCTUnwrap(root["schedules"] as? [String: [Double]])
        let cases: [(String, LearningRateSchedule)] = [
            ("step", LearningRateSchedule(base: 0.1, decay: .step(every: 3, gamma: 0.5))),
            ("cosine", LearningRateSchedule(base: 0.1, decay: .cosine(totalSteps: 8, minimum: 0.01))),
            ("warmup", LearningRateSchedule(base: 0.1, warmupSteps: 4, warmupStartFactor: 0.25)),
        ]
        for (name, schedule) in cases {
            let expected = try XCTUnwrap(schedules[name])
            // Past `totalSteps` PyTorch's cosine restarts upwards; ours stays at the minimum.
            for (step, rate) in expected.enumerated() where name != "cosine" || step <= 8 {
                XCTAssertEqual(Double(schedule.rate(at: step)), rate, accuracy: 1e-6 * rate + 1e-9, "\(name) step \(step)")
            }
        }
    }

    func testGradientClippingMatchesTorch() throws {
        let root = try XCTUnwrap(Fixture.load("optim") as? [String: Any])
        let c = Fixture(object: try XCTUnwrap(root["clipping"] as? [String: Any]))
        let a = Parameter(name: "a", value: Tensor(shape: c.shape("a"))), b = Parameter(name: "b", value: Tensor(shape: c.shape("b")))
        a.gradient.copy(from: c.tensor("a"))
        b.gradient.copy(from: c.tensor("b"))
        let frozen = Parameter(name: "frozen", value: Tensor(shape: [2]))
        frozen.isFrozen = true
        frozen.gradient.data[0] = 1000
        let norm = clipGradientNorm([a, frozen, b], maxNorm: c.float("maxNorm"))
        XCTAssertEqual(norm, c.float("norm"), accuracy: 1e-5 * c.float("norm"))
        assertClose(a.gradient.array, c.floats("clippedA"), relative: 1e-5, "a")
        assertClose(b.gradient.array, c.floats("clippedB"), relative: 1e-5, "b")
        XCTAssertEqual(frozen.gradient.data[0], 1000, "frozen gradients are left alone")
    }

    /// The network of `make_cnn_fixtures.py`'s `SmallNet`, built from layers.
    static func smallNet(_ initial: Fixture) -> Graph {
        let graph = Graph()
        let conv1 = Conv2DLayer(name: "conv1", inChannels: 3, outChannels: 6, window: WindowGeometry(kernel: 3, padding: 1))
        let conv2 = Conv2DLayer(name: "conv2", inChannels: 6, outChannels: 8,
                                window: .same(kernelHeight: 3, kernelWidth: 3, stride: 2, height: 8, width: 8), bias: false)
        let fc = DenseLayer(name: "fc", inFeatures: 8, outFeatures: 3)
        conv1.weight.value.copy(from: initial.tensor("conv1.weight"))
        conv1.bias!.value.copy(from: initial.tensor("conv1.bias"))
        conv2.weight.value.copy(from: initial.tensor("conv2.weight"))
        fc.weight.value.copy(from: initial.tensor("fc.weight"))
        fc.bias!.value.copy(from: initial.tensor("fc.bias"))
        graph.append(conv1)
        graph.append(ReLULayer(name: "relu1"))
        graph.append(conv2)
        graph.append(BatchNormLayer(name: "bn", channels: 8))
        graph.append(ReLULayer(name: "relu2"))
        graph.append(GlobalAveragePoolLayer(name: "gap"))
        graph.append(fc)
        return graph
    }

    /// 20 SGD-momentum steps from PyTorch's initial weights give PyTorch's loss sequence within 1e-3,
    /// and the trained network in inference mode (running statistics) gives PyTorch's logits.
    func testTwentyStepsOfSGDMatchTorch() throws {
        let c = Fixture(object: try XCTUnwrap(Fixture.load("training") as? [String: Any]))
        let graph = Self.smallNet(c["initial"])
        let inputs = (c.object["inputs"] as! [[String: Any]]).map { Fixture.decode($0) }.map { Tensor(shape: $0.shape, values: $0.values) }
        let labels = (c.object["labels"] as! [[NSNumber]]).map { $0.map { Int32($0.intValue) } }
        let expected = (c.object["losses"] as! [NSNumber]).map(\.floatValue)
        let loss = SoftmaxCrossEntropy()
        let optimizer = SGD(momentum: c.float("momentum"))
        var losses: [Float] = []
        for step in 0..<20 {
            let logits = try graph.forward(inputs[step % 2], mode: .training)
            let value = try loss.forward(logits: logits, labels: labels[step % 2])
            losses.append(value)
            XCTAssertEqual(value, expected[step], accuracy: 1e-3 * max(1, abs(expected[step])), "step \(step)")
            graph.backward(loss.backward())
            optimizer.step(graph.parameters, learningRate: c.float("lr"))
        }
        XCTAssertLessThan(losses[19], losses[0] * 0.8, "the run actually trains")
        let logits = try graph.forward(inputs[0], mode: .inference)
        assertClose(logits.array, c.floats("evalLogits"), relative: 1e-3, "inference logits after training")
    }
}
