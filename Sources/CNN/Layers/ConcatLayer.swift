/// Concatenates NHWC tensors with equal `N, H, W` along channels (DenseNet blocks, Inception branches).
public final class ConcatLayer: Layer {
    public let name: String
    private var channels: [Int] = []
    private var output: Tensor?
    private var inputGradients: [Tensor?] = []

    public init(name: String) { self.name = name }

    public func forward(_ inputs: [Tensor], context: LayerContext) throws -> Tensor {
        guard let first = inputs.first else {
            throw CNNError.invalidConfiguration(layer: name, reason: "needs at least one input")
        }
        for x in inputs where x.shape.dropLast() != first.shape.dropLast() {
            throw CNNError.shapeMismatch(layer: name, expected: Array(first.shape.dropLast()) + [x.channels], actual: x.shape)
        }
        channels = inputs.map(\.channels)
        let y = context.outputBuffer(&output, shape: Array(first.shape.dropLast()) + [channels.reduce(0, +)])
        ConcatKernels.forward(output: y.data, parts: inputs.map { UnsafePointer($0.data) }, channels: channels,
                              rows: first.rows)
        if inputGradients.count != inputs.count { inputGradients = Array(repeating: nil, count: inputs.count) }
        return y
    }

    public func backward(_ outputGradient: Tensor, inputNeedsGradient: [Bool], context: LayerContext) -> [Tensor?] {
        let rows = outputGradient.rows, prefix = Array(outputGradient.shape.dropLast())
        var results: [Tensor?] = []
        for (index, needed) in inputNeedsGradient.enumerated() {
            guard needed else {
                results.append(nil)
                continue
            }
            let dx = Tensor.reusing(inputGradients[index], shape: prefix + [channels[index]])
            inputGradients[index] = dx
            results.append(dx)
        }
        ConcatKernels.backward(partGradients: results.map { $0?.data }, outputGradient: outputGradient.data,
                               channels: channels, rows: rows)
        return results
    }
}
