/// Resizes images with a separable bilinear (triangle) filter whose support grows with the reduction factor,
/// so that shrinking averages every source pixel (antialiasing) — the same scheme as Pillow's `Image.resize`
/// with `BILINEAR` and `reducing_gap=None`.
public enum Resizer {
    /// The contributions of source pixels `start ..< start + weights.count` to one output pixel.
    struct Taps {
        var start: Int
        var weights: [Float]
    }

    /// The normalised filter taps for resampling `inSize` pixels into `outSize`.
    static func taps(inSize: Int, outSize: Int) -> [Taps] {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = 1.0 * filterScale
        return (0..<outSize).map { out in
            let centre = (Double(out) + 0.5) * scale
            let low = max(Int(centre - support + 0.5), 0)
            let high = min(Int(centre + support + 0.5), inSize)
            var weights = (low..<high).map { x -> Double in
                let t = abs((Double(x) - centre + 0.5) / filterScale)
                return t < 1 ? 1 - t : 0
            }
            let total = weights.reduce(0, +)
            if total > 0 { weights = weights.map { $0 / total } }
            return Taps(start: low, weights: weights.map(Float.init))
        }
    }

    /// A resized copy of `image` in the same format; 8-bit passes round to 8 bits between the horizontal
    /// and vertical pass as Pillow does.
    public static func resize(_ image: Image, width: Int, height: Int) throws(ImagingError) -> Image {
        guard width > 0, height > 0 else { throw .invalidArgument("resize to \(width)x\(height): sizes must be positive") }
        if width == image.width && height == image.height { return image }
        let channels = image.channels
        let sixteen = image.format.isSixteenBit
        let top: Float = sixteen ? 65535 : 255
        var plane: [Float] = sixteen ? image.words.map(Float.init) : image.bytes.map(Float.init)
        if width != image.width {
            plane = pass(plane, lines: image.height, inSize: image.width, outSize: width, stride: channels, group: channels, top: top)
        }
        if height != image.height {
            plane = pass(plane, lines: 1, inSize: image.height, outSize: height, stride: width * channels,
                         group: width * channels, top: top)
        }
        if sixteen { return try Image(width: width, height: height, format: image.format, words: plane.map { UInt16($0) }) }
        return try Image(width: width, height: height, format: image.format, bytes: plane.map { UInt8($0) })
    }

    /// One separable pass: each of `lines` independent lines holds `inSize` positions of `group` contiguous samples
    /// (`stride` apart); the result holds `outSize` positions, rounded and clamped to 0...top.
    private static func pass(_ source: [Float], lines: Int, inSize: Int, outSize: Int, stride: Int, group: Int, top: Float) -> [Float] {
        let taps = taps(inSize: inSize, outSize: outSize)
        var out = [Float](repeating: 0, count: lines * outSize * group)
        source.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (position, tap) in taps.enumerated() {
                    tap.weights.withUnsafeBufferPointer { weights in
                        for line in 0..<lines {
                            let inBase = line * inSize * stride, outBase = (line * outSize + position) * group
                            for k in 0..<weights.count {
                                let w = weights[k], from = inBase + (tap.start + k) * stride
                                for g in 0..<group { dst[outBase + g] += w * src[from + g] }
                            }
                            for g in 0..<group { dst[outBase + g] = min(max(dst[outBase + g].rounded(), 0), top) }
                        }
                    }
                }
            }
        }
        return out
    }
}
