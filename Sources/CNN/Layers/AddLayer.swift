/// Elementwise sum of two equally shaped tensors: the residual connection of ResNet.
public final class AddLayer: Layer {
    public let name: String
    private var output: Tensor?

    public init(name: String) { self.name = name }

    public func forward(_ inputs: [Tensor], context: LayerContext) throws -> Tensor {
        guard inputs.count == 2 else {
            throw CNNError.invalidConfiguration(layer: name, reason: "expected 2 inputs, got \(inputs.count)")
        }
        guard inputs[0].shape == inputs[1].shape else {
            throw CNNError.shapeMismatch(layer: name, expected: inputs[0].shape, actual: inputs[1].shape)
        }
        let y = context.outputBuffer(&output, shape: inputs[0].shape)
        Elementwise.addForward(output: y.data, a: inputs[0].data, b: inputs[1].data, count: y.count)
        return y
    }

    /// Both inputs receive the output gradient itself; the graph copies before accumulating into it.
    public func backward(_ outputGradient: Tensor, inputNeedsGradient: [Bool], context: LayerContext) -> [Tensor?] {
        inputNeedsGradient.map { $0 ? outputGradient : nil }
    }
}
