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
        var plane: [Float] = sixteen ? widen(image.words) : widen(image.bytes)
        if width != image.width {
            plane = pass(plane, lines: image.height, inSize: image.width, outSize: width, stride: channels, group: channels, top: top)
        }
        if height != image.height {
            plane = pass(plane, lines: 1, inSize: image.height, outSize: height, stride: width * channels,
                         group: width * channels, top: top)
        }
        if sixteen { return try Image(width: width, height: height, format: image.format, words: narrow(plane)) }
        return try Image(width: width, height: height, format: image.format, bytes: narrow(plane))
    }

    /// Samples as floats, filled in place (an `Array.map` here costs more than the filter itself).
    private static func widen<T: BinaryInteger>(_ samples: [T]) -> [Float] {
        [Float](unsafeUninitializedCapacity: samples.count) { buffer, count in
            samples.withUnsafeBufferPointer { source in
                for i in 0..<source.count { buffer[i] = Float(source[i]) }
            }
            count = samples.count
        }
    }

    /// Rounded, clamped floats back to integer samples.
    private static func narrow<T: FixedWidthInteger>(_ plane: [Float]) -> [T] {
        [T](unsafeUninitializedCapacity: plane.count) { buffer, count in
            plane.withUnsafeBufferPointer { source in
                // The values are whole numbers within range already: a plain float-to-int conversion suffices.
                for i in 0..<source.count { buffer[i] = T(truncatingIfNeeded: Int(source[i])) }
            }
            count = plane.count
        }
    }

    /// One separable pass: each of `lines` independent lines holds `inSize` positions of `group` contiguous samples
    /// (`stride` apart); the result holds `outSize` positions, rounded and clamped to 0...top.
    ///
    /// Lines are the outer loop so each source line is read while it is in cache; the taps are flattened
    /// into one weights array with a start and count per output position.
    private static func pass(_ source: [Float], lines: Int, inSize: Int, outSize: Int, stride: Int, group: Int, top: Float) -> [Float] {
        let taps = taps(inSize: inSize, outSize: outSize)
        let starts = taps.map(\.start), counts = taps.map(\.weights.count)
        let offsets = counts.reduce(into: [0]) { $0.append($0.last! + $1) }
        let weights = taps.flatMap(\.weights)
        var out = [Float](repeating: 0, count: lines * outSize * group)
        // Sums are never negative (non-negative weights and samples), so adding 0.5 and truncating rounds
        // half up as Pillow does, without a libm call per sample.
        @inline(__always) func finish(_ value: Float) -> Float { min(Float(Int(value + 0.5)), top) }
        source.withUnsafeBufferPointer { src in
            weights.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { dst in
                    if group == 3 && stride == 3 {
                        // Interleaved RGB along a row: three running sums per output pixel.
                        for line in 0..<lines {
                            let inBase = line * inSize * 3
                            for position in 0..<outSize {
                                var (r, g, b): (Float, Float, Float) = (0, 0, 0)
                                var from = inBase + starts[position] * 3
                                for k in offsets[position]..<offsets[position + 1] {
                                    let weight = w[k]
                                    r += weight * src[from]
                                    g += weight * src[from + 1]
                                    b += weight * src[from + 2]
                                    from += 3
                                }
                                let o = (line * outSize + position) * 3
                                dst[o] = finish(r)
                                dst[o + 1] = finish(g)
                                dst[o + 2] = finish(b)
                            }
                        }
                        return
                    }
                    for line in 0..<lines {
                        let inBase = line * inSize * stride
                        for position in 0..<outSize {
                            let outBase = (line * outSize + position) * group
                            var from = inBase + starts[position] * stride
                            for k in offsets[position]..<offsets[position + 1] {
                                let weight = w[k]
                                for g in 0..<group { dst[outBase + g] += weight * src[from + g] }
                                from += stride
                            }
                            for g in 0..<group { dst[outBase + g] = finish(dst[outBase + g]) }
                        }
                    }
                }
            }
        }
        return out
    }
}
