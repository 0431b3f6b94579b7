/// The rectified linear unit, `max(x, 0)`, on tensors of any shape.
public final class ReLULayer: Layer {
    public let name: String
    private var output: Tensor?
    private var inputGradient: Tensor?

    public init(name: String) { self.name = name }

    public func forward(_ inputs: [Tensor], context: LayerContext) throws -> Tensor {
        guard inputs.count == 1 else {
            throw CNNError.invalidConfiguration(layer: name, reason: "expected 1 input, got \(inputs.count)")
        }
        let y = context.outputBuffer(&output, shape: inputs[0].shape)
        Elementwise.reluForward(output: y.data, input: inputs[0].data, count: y.count)
        return y
    }

    public func backward(_ outputGradient: Tensor, inputNeedsGradient: [Bool], context: LayerContext) -> [Tensor?] {
        guard inputNeedsGradient.first == true, let y = output else { return [nil] }
        let dx = Tensor.reusing(inputGradient, shape: y.shape)
        Elementwise.reluBackward(inputGradient: dx.data, outputGradient: outputGradient.data, output: y.data, count: y.count)
        inputGradient = dx
        return [dx]
    }
}
