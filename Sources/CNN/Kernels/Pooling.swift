/// The dimensions of a pooling window over an NHWC batch; channels pool independently.
public struct PoolShape: Equatable, Sendable {
    public var batch: Int, height: Int, width: Int, channels: Int
    public var window: WindowGeometry

    public init(batch: Int, height: Int, width: Int, channels: Int, window: WindowGeometry) {
        self.batch = batch
        self.height = height
        self.width = width
        self.channels = channels
        self.window = window
    }

    public var outHeight: Int { window.outputHeight(height) }
    public var outWidth: Int { window.outputWidth(width) }
}

/// Max and average pooling with per-side padding, and global average pooling.
public enum Pooling {
    /// Takes the maximum of each window; padded taps never win (they count as -infinity).
    ///
    /// - `output`: `[N, OH, OW, C]`; `argmax`: `[N, OH, OW, C]` or nil, the winning input pixel index
    ///   `ih * W + iw` within its image, kept for the backward pass; `input`: `[N, H, W, C]`.
    /// A window's first tap inside the image wins until a later tap is strictly greater, lane by lane.
    public static func maxPoolForward(output: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>?,
                                      input: UnsafePointer<Float>, shape: PoolShape) {
        let window = shape.window, channels = shape.channels
        let outHeight = shape.outHeight, outWidth = shape.outWidth
        Parallel.forEach(count: shape.batch * outHeight, grain: max(1, 2048 / max(outWidth * channels, 1))) { row in
            let image = row / outHeight, oh = row % outHeight
            for ow in 0..<outWidth {
                let target = output + (row * outWidth + ow) * channels
                let winner = argmax.map { $0 + (row * outWidth + ow) * channels }
                target.update(repeating: -.infinity, count: channels)
                winner?.update(repeating: -1, count: channels)
                var first = true
                for kh in 0..<window.kernelHeight {
                    let ih = oh * window.strideHeight - window.padTop + kh
                    guard ih >= 0, ih < shape.height else { continue }
                    for kw in 0..<window.kernelWidth {
                        let iw = ow * window.strideWidth - window.padLeft + kw
                        guard iw >= 0, iw < shape.width else { continue }
                        let pixel = ih * shape.width + iw
                        let source = input + (image * shape.height * shape.width + pixel) * channels
                        if first {
                            target.update(from: source, count: channels)
                            winner?.update(repeating: Int32(pixel), count: channels)
                            first = false
                        } else if let winner {
                            keepGreater(target, winner, source, pixel: Int32(pixel), channels: channels)
                        } else {
                            keepGreater(target, source, channels: channels)
                        }
                    }
                }
            }
        }
    }

    /// `target[c] = source[c]` where `source[c] > target[c]`.
    @inline(__always)
    private static func keepGreater(_ target: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>, channels: Int) {
        forEachLane(in: 0..<channels) { c in
            let current = Lanes(at: target + c), candidate = Lanes(at: source + c)
            current.replacing(with: candidate, where: candidate .> current).store(at: target + c)
        } scalar: { c in
            if source[c] > target[c] { target[c] = source[c] }
        }
    }

    /// `keepGreater`, also recording `pixel` as the winner of every lane it replaces.
    @inline(__always)
    private static func keepGreater(_ target: UnsafeMutablePointer<Float>, _ winner: UnsafeMutablePointer<Int32>,
                                    _ source: UnsafePointer<Float>, pixel: Int32, channels: Int) {
        forEachLane(in: 0..<channels) { c in
            let current = Lanes(at: target + c), candidate = Lanes(at: source + c)
            let wins = candidate .> current
            current.replacing(with: candidate, where: wins).store(at: target + c)
            let raw = UnsafeMutableRawPointer(winner + c)
            let indices = raw.loadUnaligned(as: SIMD16<Int32>.self)
            raw.storeBytes(of: indices.replacing(with: pixel, where: wins), as: SIMD16<Int32>.self)
        } scalar: { c in
            if source[c] > target[c] {
                target[c] = source[c]
                winner[c] = pixel
            }
        }
    }

    /// Routes each output gradient to the input pixel that won the forward maximum.
    ///
    /// - `inputGradient`: `[N, H, W, C]`, overwritten; `outputGradient`, `argmax`: `[N, OH, OW, C]`.
    /// Images run in parallel; within an image the scatter order is fixed, so sums are repeatable.
    public static func maxPoolBackward(inputGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
                                       argmax: UnsafePointer<Int32>, shape: PoolShape) {
        let channels = shape.channels, inPixels = shape.height * shape.width
        let outPixels = shape.outHeight * shape.outWidth
        Parallel.forEach(count: shape.batch, grain: 1) { image in
            let target = inputGradient + image * inPixels * channels
            target.update(repeating: 0, count: inPixels * channels)
            for pixel in 0..<outPixels {
                let offset = (image * outPixels + pixel) * channels
                for c in 0..<channels where argmax[offset + c] >= 0 {
                    target[Int(argmax[offset + c]) * channels + c] += outputGradient[offset + c]
                }
            }
        }
    }

    /// Averages each window.
    ///
    /// - `output`: `[N, OH, OW, C]`; `input`: `[N, H, W, C]`.
    /// With `countIncludePad` the divisor is the window area (PyTorch's default); without it only
    /// taps inside the image count (Keras `same`).
    public static func averagePoolForward(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                                          shape: PoolShape, countIncludePad: Bool) {
        let channels = shape.channels
        let outHeight = shape.outHeight, outWidth = shape.outWidth
        Parallel.forEach(count: shape.batch * outHeight, grain: max(1, 2048 / max(outWidth * channels, 1))) { row in
            let image = row / outHeight, oh = row % outHeight
            for ow in 0..<outWidth {
                let target = output + (row * outWidth + ow) * channels
                target.update(repeating: 0, count: channels)
                let (rowsInside, columnsInside) = insideTaps(shape, oh: oh, ow: ow)
                for ih in rowsInside {
                    for iw in columnsInside {
                        let source = input + ((image * shape.height + ih) * shape.width + iw) * channels
                        forEachLane(in: 0..<channels) { c in
                            (Lanes(at: target + c) + Lanes(at: source + c)).store(at: target + c)
                        } scalar: { c in
                            target[c] += source[c]
                        }
                    }
                }
                let scale = 1 / Float(divisor(shape, oh: oh, ow: ow, rowsInside, columnsInside, countIncludePad))
                forEachLane(in: 0..<channels) { c in
                    (Lanes(at: target + c) * scale).store(at: target + c)
                } scalar: { c in
                    target[c] *= scale
                }
            }
        }
    }

    /// Spreads each output gradient evenly over its window's taps.
    ///
    /// - `inputGradient`: `[N, H, W, C]`, overwritten; `outputGradient`: `[N, OH, OW, C]`.
    public static func averagePoolBackward(inputGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
                                           shape: PoolShape, countIncludePad: Bool) {
        let channels = shape.channels, outHeight = shape.outHeight, outWidth = shape.outWidth
        Parallel.forEach(count: shape.batch, grain: 1) { image in
            let imageGradient = inputGradient + image * shape.height * shape.width * channels
            imageGradient.update(repeating: 0, count: shape.height * shape.width * channels)
            for oh in 0..<outHeight {
                for ow in 0..<outWidth {
                    let (rowsInside, columnsInside) = insideTaps(shape, oh: oh, ow: ow)
                    let scale = 1 / Float(divisor(shape, oh: oh, ow: ow, rowsInside, columnsInside, countIncludePad))
                    let source = outputGradient + ((image * outHeight + oh) * outWidth + ow) * channels
                    for ih in rowsInside {
                        for iw in columnsInside {
                            let target = imageGradient + (ih * shape.width + iw) * channels
                            for c in 0..<channels { target[c] += source[c] * scale }
                        }
                    }
                }
            }
        }
    }

    /// Averages every channel over all pixels: `[N, H, W, C]` to `[N, C]`.
    public static func globalAveragePoolForward(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                                                batch: Int, pixels: Int, channels: Int) {
        Parallel.forEach(count: batch, grain: 1) { image in
            let target = output + image * channels
            target.update(repeating: 0, count: channels)
            for pixel in 0..<pixels {
                let source = input + (image * pixels + pixel) * channels
                for c in 0..<channels { target[c] += source[c] }
            }
            let scale = 1 / Float(max(pixels, 1))
            for c in 0..<channels { target[c] *= scale }
        }
    }

    /// Broadcasts `[N, C]` gradients over all pixels, divided by the pixel count: `[N, H, W, C]`.
    public static func globalAveragePoolBackward(inputGradient: UnsafeMutablePointer<Float>,
                                                 outputGradient: UnsafePointer<Float>,
                                                 batch: Int, pixels: Int, channels: Int) {
        let scale = 1 / Float(max(pixels, 1))
        Parallel.forEach(count: batch * pixels, grain: max(1, 16_384 / max(channels, 1))) { row in
            let source = outputGradient + row / pixels * channels, target = inputGradient + row * channels
            for c in 0..<channels { target[c] = source[c] * scale }
        }
    }

    /// The input rows and columns a window covers, clipped to the image.
    static func insideTaps(_ shape: PoolShape, oh: Int, ow: Int) -> (Range<Int>, Range<Int>) {
        let window = shape.window
        let top = oh * window.strideHeight - window.padTop, left = ow * window.strideWidth - window.padLeft
        let rows = max(top, 0)..<max(min(top + window.kernelHeight, shape.height), max(top, 0))
        let columns = max(left, 0)..<max(min(left + window.kernelWidth, shape.width), max(left, 0))
        return (rows, columns)
    }

    /// The averaging divisor: with `countIncludePad` the window clipped to the padded image (as PyTorch
    /// does), otherwise only the taps inside the image.
    static func divisor(_ shape: PoolShape, oh: Int, ow: Int, _ rows: Range<Int>, _ columns: Range<Int>,
                        _ countIncludePad: Bool) -> Int {
        guard countIncludePad else { return max(rows.count * columns.count, 1) }
        let window = shape.window
        let top = oh * window.strideHeight - window.padTop, left = ow * window.strideWidth - window.padLeft
        let height = min(top + window.kernelHeight, shape.height + window.padBottom) - top
        let width = min(left + window.kernelWidth, shape.width + window.padRight) - left
        return max(height * width, 1)
    }
}
