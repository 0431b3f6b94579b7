import CNN

/// One tensor a model expects from a weights file: its name there, its shape there, and how that layout
/// maps onto the model's own tensor.
public struct WeightSlot {
    /// How a file's array is laid out relative to pipe's NHWC / HWIO tensors.
    public enum Layout: Equatable, Sendable {
        /// Same shape and order as the model tensor (Keras kernels, all vectors).
        case identical
        /// A PyTorch convolution kernel `[O, I, KH, KW]`, transposed to `[KH, KW, I, O]`.
        case torchConv
        /// A PyTorch linear weight `[out, in]`, transposed to `[in, out]`.
        case torchLinear
        /// A PyTorch linear weight `[out, C*H*W]` reading an NCHW-flattened map, reordered to
        /// `[H*W*C, out]` for pipe's NHWC flatten (torchvision VGG `classifier.0`).
        case torchLinearAfterFlatten(channels: Int, height: Int, width: Int)
    }

    /// The name in the file's convention, e.g. `conv1_conv/kernel` or `features.conv0.weight`.
    public let key: String
    /// The shape the file stores.
    public let sourceShape: [Int]
    public let layout: Layout
    /// The model tensor that receives the values.
    public let target: Tensor

    init(key: String, layout: Layout, target: Tensor) {
        self.key = key
        self.layout = layout
        self.target = target
        let s = target.shape
        switch layout {
        case .identical: sourceShape = s
        case .torchConv: sourceShape = [s[3], s[2], s[0], s[1]]
        case .torchLinear: sourceShape = [s[1], s[0]]
        case let .torchLinearAfterFlatten(c, h, w): sourceShape = [s[1], c * h * w]
        }
    }

    /// Copies `values` (in the file's layout, `sourceShape`) into the target tensor.
    func assign(_ values: [Float]) {
        precondition(values.count == target.count, "weight \(key): \(values.count) values for \(target.shape)")
        values.withUnsafeBufferPointer { Self.convert(from: $0.baseAddress!, to: target.data, shape: target.shape,
                                                      layout: layout, toModel: true) }
    }

    /// Copies between a file-layout buffer and a model-layout buffer, in the direction `toModel` says.
    ///
    /// Every layout is a gather: for each model index in order, the file index it pairs with.
    private static func convert(from source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>,
                                shape s: [Int], layout: Layout, toModel: Bool) {
        let count = s.reduce(1, *)
        switch layout {
        case .identical:
            destination.update(from: source, count: count)
        case .torchConv:
            let (kh, kw, ci, co) = (s[0], s[1], s[2], s[3])
            let fileStride = ci * kh * kw
            var modelIndex = 0
            for y in 0..<kh { for x in 0..<kw { for i in 0..<ci {
                transposeRow(source, destination, modelIndex: modelIndex, fileIndex: (i * kh + y) * kw + x,
                             columns: co, fileStride: fileStride, toModel: toModel)
                modelIndex += co
            } } }
        case .torchLinear:
            let (inputs, outputs) = (s[0], s[1])
            for i in 0..<inputs {
                transposeRow(source, destination, modelIndex: i * outputs, fileIndex: i, columns: outputs,
                             fileStride: inputs, toModel: toModel)
            }
        case let .torchLinearAfterFlatten(c, h, w):
            let outputs = s[1], features = c * h * w
            var modelIndex = 0
            for y in 0..<h { for x in 0..<w { for ch in 0..<c {
                transposeRow(source, destination, modelIndex: modelIndex, fileIndex: (ch * h + y) * w + x,
                             columns: outputs, fileStride: features, toModel: toModel)
                modelIndex += outputs
            } } }
        }
    }

    /// Moves `columns` values between consecutive model indices from `modelIndex` and file indices
    /// `fileIndex + k * fileStride`.
    private static func transposeRow(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>,
                                     modelIndex: Int, fileIndex: Int, columns: Int, fileStride: Int, toModel: Bool) {
        if toModel {
            var file = source + fileIndex
            let model = destination + modelIndex
            for k in 0..<columns {
                model[k] = file.pointee
                file += fileStride
            }
        } else {
            let model = source + modelIndex
            var file = destination + fileIndex
            for k in 0..<columns {
                file.pointee = model[k]
                file += fileStride
            }
        }
    }

    /// The target tensor's values in the file's layout (the inverse of `assign`).
    func exportValues() -> [Float] {
        [Float](unsafeUninitializedCapacity: target.count) { buffer, initialized in
            Self.convert(from: target.data, to: buffer.baseAddress!, shape: target.shape, layout: layout, toModel: false)
            initialized = target.count
        }
    }
}
