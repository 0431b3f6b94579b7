/// Averages each channel over all pixels: `[N, H, W, C]` to `[N, C]`.
public final class GlobalAveragePoolLayer: Layer {
    public let name: String
    private var inputShape: [Int] = []
    private var output: Tensor?
    private var inputGradient: Tensor?

    public init(name: String) { self.name = name }

    public func forward(_ inputs: [Tensor], context: LayerContext) throws -> Tensor {
        try requireInputs(inputs, count: 1, rank: 4)
        let x = inputs[0]
        let y = Tensor.reusing(output, shape: [x.shape[0], x.shape[3]])
        Pooling.globalAveragePoolForward(output: y.data, input: x.data, batch: x.shape[0],
                                         pixels: x.shape[1] * x.shape[2], channels: x.shape[3])
        inputShape = x.shape
        output = y
        return y
    }

    public func backward(_ outputGradient: Tensor, inputNeedsGradient: [Bool], context: LayerContext) -> [Tensor?] {
        guard inputNeedsGradient.first == true, inputShape.count == 4 else { return [nil] }
        let dx = Tensor.reusing(inputGradient, shape: inputShape)
        Pooling.globalAveragePoolBackward(inputGradient: dx.data, outputGradient: outputGradient.data,
                                          batch: inputShape[0], pixels: inputShape[1] * inputShape[2],
                                          channels: inputShape[3])
        inputGradient = dx
        return [dx]
    }
}
