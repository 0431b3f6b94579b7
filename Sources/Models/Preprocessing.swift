import CNN

/// How a model expects its RGB input scaled, following Keras `preprocess_input` modes.
public enum Preprocessing: String, CaseIterable, Sendable, Codable {
    /// Scale to 0...1, then subtract the ImageNet mean and divide by its standard deviation, per channel.
    case torch
    /// Reorder RGB to BGR and subtract the ImageNet mean pixel (0...255 scale).
    case caffe
    /// Scale to -1...1.
    case tf
    /// Leave 0...255 values as they are.
    case none

    private static let imagenetMean: [Float] = [0.485, 0.456, 0.406]
    private static let imagenetStd: [Float] = [0.229, 0.224, 0.225]
    private static let caffeMeanBGR: [Float] = [103.939, 116.779, 123.68]

    /// The same scaling written as `(pixel * scale - mean) / std` per channel after reordering RGB to
    /// `channelOrder`, the form other frameworks' transforms take.
    public var affine: (channelOrder: String, scale: Double, mean: [Double], std: [Double]) {
        switch self {
        case .torch: return ("RGB", 1.0 / 255, Self.imagenetMean.map(Double.init), Self.imagenetStd.map(Double.init))
        case .caffe: return ("BGR", 1, Self.caffeMeanBGR.map(Double.init), [1, 1, 1])
        case .tf: return ("RGB", 1 / 127.5, [1, 1, 1], [1, 1, 1])
        case .none: return ("RGB", 1, [0, 0, 0], [1, 1, 1])
        }
    }

    /// Converts interleaved RGB bytes (HWC) into the model's float input, in place of `output`.
    public func apply(rgb: [UInt8], into output: inout [Float]) {
        precondition(rgb.count % 3 == 0 && output.count == rgb.count, "Preprocessing: expects interleaved RGB of equal length")
        var i = 0
        while i < rgb.count {
            let r = Float(rgb[i]), g = Float(rgb[i + 1]), b = Float(rgb[i + 2])
            switch self {
            case .torch:
                output[i] = (r / 255 - Self.imagenetMean[0]) / Self.imagenetStd[0]
                output[i + 1] = (g / 255 - Self.imagenetMean[1]) / Self.imagenetStd[1]
                output[i + 2] = (b / 255 - Self.imagenetMean[2]) / Self.imagenetStd[2]
            case .caffe:
                output[i] = b - Self.caffeMeanBGR[0]
                output[i + 1] = g - Self.caffeMeanBGR[1]
                output[i + 2] = r - Self.caffeMeanBGR[2]
            case .tf:
                output[i] = r / 127.5 - 1
                output[i + 1] = g / 127.5 - 1
                output[i + 2] = b / 127.5 - 1
            case .none:
                output[i] = r; output[i + 1] = g; output[i + 2] = b
            }
            i += 3
        }
    }

    /// Builds a model input `[N, height, width, 3]` from interleaved RGB images of `height` x `width`.
    public func batch(rgb images: [[UInt8]], height: Int, width: Int) -> Tensor {
        let pixels = height * width * 3
        let batch = Tensor(shape: [images.count, height, width, 3])
        var scaled = [Float](repeating: 0, count: pixels)
        for (index, image) in images.enumerated() {
            precondition(image.count == pixels, "Preprocessing: image \(index) has \(image.count) bytes, expected \(pixels)")
            apply(rgb: image, into: &scaled)
            scaled.withUnsafeBufferPointer { (batch.data + index * pixels).update(from: $0.baseAddress!, count: pixels) }
        }
        return batch
    }
}
