import PipeBase

/// Inverted dropout, active only in `.training` mode.
///
/// Each training forward pass draws a new mask from stream `seed + n`, where `n` is the pass's
/// `LayerContext.dropoutStream` when a trainer sets one (its step and micro-batch, so the mask does not depend
/// on which process runs the micro-batch) and the layer's count of training passes otherwise; a run with a fixed
/// seed repeats exactly.
public final class DropoutLayer: Layer {
    public let name: String
    public let rate: Float
    public let seed: UInt64
    private var calls: UInt64 = 0
    private var output: Tensor?
    private var mask: Tensor?
    private var inputGradient: Tensor?
    private var wasActive = false

    public init(name: String, rate: Float, seed: UInt64 = 0) {
        self.name = name
        self.rate = rate
        self.seed = seed
    }

    public func forward(_ inputs: [Tensor], context: LayerContext) throws -> Tensor {
        guard inputs.count == 1 else {
            throw CNNError.invalidConfiguration(layer: name, reason: "expected 1 input, got \(inputs.count)")
        }
        guard (0..<1).contains(rate) else {
            throw CNNError.invalidConfiguration(layer: name, reason: "dropout rate \(rate) must be in [0, 1)")
        }
        let x = inputs[0]
        wasActive = context.mode == .training && rate > 0
        guard wasActive else { return x }
        let y = Tensor.reusing(output, shape: x.shape), m = Tensor.reusing(mask, shape: x.shape)
        DropoutKernels.forward(output: y.data, mask: m.data, input: x.data, count: x.count, rate: rate,
                               seed: SeededRandom.mix(seed &+ (context.dropoutStream ?? calls)))
        calls += 1
        output = y
        mask = m
        return y
    }

    public func backward(_ outputGradient: Tensor, inputNeedsGradient: [Bool], context: LayerContext) -> [Tensor?] {
        guard inputNeedsGradient.first == true else { return [nil] }
        guard wasActive, let m = mask else { return [outputGradient] }
        let dx = Tensor.reusing(inputGradient, shape: m.shape)
        DropoutKernels.backward(inputGradient: dx.data, outputGradient: outputGradient.data, mask: m.data, count: m.count)
        inputGradient = dx
        return [dx]
    }
}
