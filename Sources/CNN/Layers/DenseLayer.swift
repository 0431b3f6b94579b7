import PipeBase

/// A fully connected layer on `[N, inFeatures]` input with `[inFeatures, outFeatures]` weights.
public final class DenseLayer: Layer {
    public let name: String
    public let inFeatures: Int, outFeatures: Int
    public let weight: Parameter
    public let bias: Parameter?
    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    private var input: Tensor?
    private var output: Tensor?
    private var inputGradient: Tensor?

    /// Creates the layer with Glorot-uniform weights drawn from `seed` and a zero bias.
    public init(name: String, inFeatures: Int, outFeatures: Int, bias: Bool = true, seed: UInt64 = 0) {
        self.name = name
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        let weights = Tensor(shape: [inFeatures, outFeatures])
        let limit = (6 / Float(max(inFeatures + outFeatures, 1))).squareRoot()
        for i in 0..<weights.count { weights.data[i] = (SeededRandom.uniform(seed: seed, index: UInt64(i)) * 2 - 1) * limit }
        weight = Parameter(name: "\(name).weight", value: weights)
        self.bias = bias ? Parameter(name: "\(name).bias", value: Tensor(shape: [outFeatures]), decays: false) : nil
    }

    public func forward(_ inputs: [Tensor], context: LayerContext) throws -> Tensor {
        try requireInputs(inputs, count: 1, rank: 2)
        let x = inputs[0]
        guard x.shape[1] == inFeatures else {
            throw CNNError.shapeMismatch(layer: name, expected: [x.shape[0], inFeatures], actual: x.shape)
        }
        let y = Tensor.reusing(output, shape: [x.shape[0], outFeatures])
        DenseKernels.forward(output: y.data, input: x.data, weights: weight.value.data, bias: bias?.value.data,
                             batch: x.shape[0], inFeatures: inFeatures, outFeatures: outFeatures)
        input = x
        output = y
        return y
    }

    public func backward(_ outputGradient: Tensor, inputNeedsGradient: [Bool], context: LayerContext) -> [Tensor?] {
        guard let x = input else { return [nil] }
        let dx = Tensor.gradientBuffer(&inputGradient, shape: x.shape, needed: inputNeedsGradient.first == true)
        DenseKernels.backward(inputGradient: dx?.data, weightGradient: weight.isFrozen ? nil : weight.gradient.data,
                              biasGradient: bias.flatMap { $0.isFrozen ? nil : $0.gradient.data },
                              outputGradient: outputGradient.data, input: x.data, weights: weight.value.data,
                              batch: x.shape[0], inFeatures: inFeatures, outFeatures: outFeatures)
        return [dx]
    }
}
