import PipeBase

/// A 2-D convolution over NHWC input with HWIO weights and an optional bias.
public final class Conv2DLayer: Layer {
    public let name: String
    public let inChannels: Int, outChannels: Int
    public let window: WindowGeometry
    /// `[KH, KW, inChannels, outChannels]`.
    public let weight: Parameter
    /// `[outChannels]`, or nil for convolutions followed by batch norm.
    public let bias: Parameter?
    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    private var input: Tensor?
    private var output: Tensor?
    private var inputGradient: Tensor?

    /// Creates the layer with He-uniform weights drawn from `seed` and a zero bias.
    public init(name: String, inChannels: Int, outChannels: Int, window: WindowGeometry, bias: Bool = true,
                seed: UInt64 = 0) {
        self.name = name
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.window = window
        let fanIn = window.kernelHeight * window.kernelWidth * inChannels
        let weights = Tensor(shape: [window.kernelHeight, window.kernelWidth, inChannels, outChannels])
        let limit = (6 / Float(max(fanIn, 1))).squareRoot()
        for i in 0..<weights.count { weights.data[i] = (SeededRandom.uniform(seed: seed, index: UInt64(i)) * 2 - 1) * limit }
        weight = Parameter(name: "\(name).weight", value: weights)
        self.bias = bias ? Parameter(name: "\(name).bias", value: Tensor(shape: [outChannels]), decays: false) : nil
    }

    func shape(for input: Tensor) -> ConvShape {
        ConvShape(batch: input.shape[0], height: input.shape[1], width: input.shape[2],
                  inChannels: inChannels, outChannels: outChannels, window: window)
    }

    public func forward(_ inputs: [Tensor], context: LayerContext) throws -> Tensor {
        try requireInputs(inputs, count: 1, rank: 4)
        let x = inputs[0]
        guard x.shape[3] == inChannels else {
            throw CNNError.shapeMismatch(layer: name, expected: [x.shape[0], x.shape[1], x.shape[2], inChannels], actual: x.shape)
        }
        let shape = shape(for: x)
        guard shape.outHeight > 0, shape.outWidth > 0 else {
            throw CNNError.invalidConfiguration(layer: name, reason: "input \(x.shape) is smaller than the \(window.kernelHeight)x\(window.kernelWidth) kernel")
        }
        let y = context.outputBuffer(&output, shape: [shape.batch, shape.outHeight, shape.outWidth, outChannels])
        conv2dForward(output: y.data, outputStride: outChannels, input: x.data, inputStride: inChannels,
                      weights: weight.value.data, bias: bias?.value.data, shape: shape, arena: context.arena)
        input = context.pools(y.shape) ? nil : x
        return y
    }

    public func backward(_ outputGradient: Tensor, inputNeedsGradient: [Bool], context: LayerContext) -> [Tensor?] {
        guard let x = input else { return [nil] }
        let dx = Tensor.gradientBuffer(&inputGradient, shape: x.shape, needed: inputNeedsGradient.first == true)
        let biasGradient = bias.flatMap { $0.isFrozen ? nil : $0.gradient.data }
        conv2dBackward(inputGradient: dx?.data, inputGradientStride: inChannels,
                       weightGradient: weight.isFrozen ? nil : weight.gradient.data, biasGradient: biasGradient,
                       outputGradient: outputGradient.data, outputGradientStride: outChannels,
                       input: x.data, inputStride: inChannels, weights: weight.value.data,
                       shape: shape(for: x), arena: context.arena)
        return [dx]
    }
}
