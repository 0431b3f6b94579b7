/// Channel concatenation of NHWC tensors with equal `N, H, W`.
public enum ConcatKernels {
    /// Writes each part into its channel range of `output`.
    ///
    /// - `output`: `[rows, totalChannels]`; `parts`: pointers to `[rows, channels[i]]` tensors.
    /// DenseNet layers can avoid this copy entirely by writing into a channel slice of a shared buffer
    /// (`conv2dForward`'s `outputStride`); this kernel serves general graphs.
    public static func forward(output: UnsafeMutablePointer<Float>, parts: [UnsafePointer<Float>],
                               channels: [Int], rows: Int) {
        let total = channels.reduce(0, +)
        var offset = 0
        for (part, width) in zip(parts, channels) {
            Elementwise.copyChannels(output + offset, targetStride: total, part, sourceStride: width,
                                     rows: rows, channels: width)
            offset += width
        }
    }

    /// Splits `outputGradient` (`[rows, totalChannels]`) into the parts' gradients (`[rows, channels[i]]`).
    ///
    /// A nil entry in `partGradients` skips that part.
    public static func backward(partGradients: [UnsafeMutablePointer<Float>?], outputGradient: UnsafePointer<Float>,
                                channels: [Int], rows: Int) {
        let total = channels.reduce(0, +)
        var offset = 0
        for (target, width) in zip(partGradients, channels) {
            if let target {
                Elementwise.copyChannels(target, targetStride: width, outputGradient + offset, sourceStride: total,
                                         rows: rows, channels: width)
            }
            offset += width
        }
    }
}
