/// Max or average pooling over NHWC input.
public final class PoolLayer: Layer {
    public enum Kind: Sendable {
        case max
        /// Average pooling; `countIncludePad` divides by the whole window including padding (PyTorch's
        /// default), otherwise by the taps inside the image (Keras `same`).
        case average(countIncludePad: Bool)
    }

    public let name: String
    public let kind: Kind
    public let window: WindowGeometry
    private var input: Tensor?
    private var output: Tensor?
    private var argmax: UnsafeMutablePointer<Int32>?
    private var argmaxCapacity = 0
    private var inputGradient: Tensor?

    public init(name: String, kind: Kind, window: WindowGeometry) {
        self.name = name
        self.kind = kind
        self.window = window
    }

    deinit { argmax?.deallocate() }

    func shape(for x: Tensor) -> PoolShape {
        PoolShape(batch: x.shape[0], height: x.shape[1], width: x.shape[2], channels: x.shape[3], window: window)
    }

    public func forward(_ inputs: [Tensor], context: LayerContext) throws -> Tensor {
        try requireInputs(inputs, count: 1, rank: 4)
        let x = inputs[0], shape = shape(for: x)
        guard shape.outHeight > 0, shape.outWidth > 0 else {
            throw CNNError.invalidConfiguration(layer: name, reason: "input \(x.shape) is smaller than the pooling window")
        }
        let y = context.outputBuffer(&output, shape: [shape.batch, shape.outHeight, shape.outWidth, shape.channels])
        switch kind {
        case .max where context.pools(y.shape):
            // Nothing will read the winners.
            Pooling.maxPoolForward(output: y.data, argmax: nil, input: x.data, shape: shape)
        case .max:
            if argmaxCapacity < y.count {
                argmax?.deallocate()
                argmax = .allocate(capacity: y.count)
                argmaxCapacity = y.count
            }
            Pooling.maxPoolForward(output: y.data, argmax: argmax!, input: x.data, shape: shape)
        case let .average(countIncludePad):
            Pooling.averagePoolForward(output: y.data, input: x.data, shape: shape, countIncludePad: countIncludePad)
        }
        input = context.pools(y.shape) ? nil : x
        return y
    }

    public func backward(_ outputGradient: Tensor, inputNeedsGradient: [Bool], context: LayerContext) -> [Tensor?] {
        guard inputNeedsGradient.first == true, let x = input else { return [nil] }
        let dx = Tensor.reusing(inputGradient, shape: x.shape)
        switch kind {
        case .max:
            Pooling.maxPoolBackward(inputGradient: dx.data, outputGradient: outputGradient.data, argmax: argmax!,
                                    shape: shape(for: x))
        case let .average(countIncludePad):
            Pooling.averagePoolBackward(inputGradient: dx.data, outputGradient: outputGradient.data,
                                        shape: shape(for: x), countIncludePad: countIncludePad)
        }
        inputGradient = dx
        return [dx]
    }
}
