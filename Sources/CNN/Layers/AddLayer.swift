/// Elementwise sum of two equally shaped tensors: the residual connection of ResNet.
public final class AddLayer: Layer {
    public let name: String
    /// Whether the layer's output is `max(a + b, 0)`: a following ReLU fused in, which saves a pass and a
    /// buffer each way.
    public var appliesReLU = false
    private var output: Tensor?
    private var inputGradient: Tensor?

    public init(name: String) { self.name = name }

    public func forward(_ inputs: [Tensor], context: LayerContext) throws -> Tensor {
        guard inputs.count == 2 else {
            throw CNNError.invalidConfiguration(layer: name, reason: "expected 2 inputs, got \(inputs.count)")
        }
        guard inputs[0].shape == inputs[1].shape else {
            throw CNNError.shapeMismatch(layer: name, expected: inputs[0].shape, actual: inputs[1].shape)
        }
        let y = context.outputBuffer(&output, shape: inputs[0].shape)
        Elementwise.addForward(output: y.data, a: inputs[0].data, b: inputs[1].data, count: y.count, relu: appliesReLU)
        return y
    }

    /// Both inputs receive the output gradient itself (through the ReLU's mask when it is fused in); the graph
    /// copies before accumulating into it.
    public func backward(_ outputGradient: Tensor, inputNeedsGradient: [Bool], context: LayerContext) -> [Tensor?] {
        var gradient = outputGradient
        if appliesReLU, inputNeedsGradient.contains(true), let y = output {
            gradient = Tensor.reusing(inputGradient, shape: y.shape)
            Elementwise.reluBackward(inputGradient: gradient.data, outputGradient: outputGradient.data, output: y.data, count: y.count)
            inputGradient = gradient
        }
        return inputNeedsGradient.map { $0 ? gradient : nil }
    }
}
