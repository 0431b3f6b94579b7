import CNN

/// Flattens `[N, H, W, C]` to `[N, H*W*C]` in NHWC order, as Keras `Flatten` does on channels-last maps.
public final class FlattenLayer: Layer {
    public let name: String
    private var inputShape: [Int] = []
    private var output: Tensor?
    private var inputGradient: Tensor?

    public init(name: String) { self.name = name }

    public func forward(_ inputs: [Tensor], context: LayerContext) throws -> Tensor {
        guard inputs.count == 1, let x = inputs.first, x.shape.count >= 2 else {
            throw CNNError.invalidConfiguration(layer: name, reason: "expected one input of rank 2 or more")
        }
        let y = Tensor.reusing(output, shape: [x.shape[0], x.count / max(x.shape[0], 1)])
        y.copy(from: x)
        inputShape = x.shape
        output = y
        return y
    }

    public func backward(_ outputGradient: Tensor, inputNeedsGradient: [Bool], context: LayerContext) -> [Tensor?] {
        guard inputNeedsGradient.first == true, !inputShape.isEmpty else { return [nil] }
        let dx = Tensor.reusing(inputGradient, shape: inputShape)
        dx.copy(from: outputGradient)
        inputGradient = dx
        return [dx]
    }
}
