import PipeBase

/// One patient's slide scanner and preparation: brightness, defocus blur, sensor noise and JPEG-like 8×8 blocks,
/// applied to a rendered RGB image.
struct ScannerEffects {
    var brightness: Double
    /// Share of a 3×3 box blur mixed in, 0...1.
    var blur: Double
    /// Peak amplitude of per-pixel noise, in 8-bit levels.
    var noise: Double
    /// How far each 8×8 block is pulled towards its mean colour, 0...1.
    var blockiness: Double

    /// Draws a scanner whose effects grow with `strength` (0: none).
    init(strength: Double, random: inout SeededRandom) {
        brightness = 1 + strength * random.uniform(-0.15, 0.15)
        blur = strength * random.uniform(0, 0.8)
        noise = strength * random.uniform(2, 14)
        blockiness = strength * random.uniform(0, 0.5)
    }

    /// Applies the effects in place to `width` × `height` RGB `pixels`; `defocus` adds to the blur (high magnification).
    func apply(to pixels: inout [UInt8], width: Int, height: Int, defocus: Double, random: inout SeededRandom) {
        var values = pixels.map { Double($0) * brightness }
        let blurShare = min(1, blur + defocus)
        if blurShare > 0 {
            let source = values
            for y in 0..<height {
                for x in 0..<width {
                    for c in 0..<3 {
                        var sum = 0.0, n = 0.0
                        for yy in max(0, y - 1)...min(height - 1, y + 1) {
                            for xx in max(0, x - 1)...min(width - 1, x + 1) { sum += source[3 * (yy * width + xx) + c]; n += 1 }
                        }
                        let i = 3 * (y * width + x) + c
                        values[i] = source[i] * (1 - blurShare) + sum / n * blurShare
                    }
                }
            }
        }
        if blockiness > 0 {
            for by in stride(from: 0, to: height, by: 8) {
                for bx in stride(from: 0, to: width, by: 8) {
                    let ys = by..<min(height, by + 8), xs = bx..<min(width, bx + 8)
                    for c in 0..<3 {
                        var sum = 0.0
                        for y in ys { for x in xs { sum += values[3 * (y * width + x) + c] } }
                        let mean = sum / Double(ys.count * xs.count)
                        for y in ys { for x in xs { let i = 3 * (y * width + x) + c; values[i] += (mean - values[i]) * blockiness } }
                    }
                }
            }
        }
        for i in values.indices {
            let grain = noise > 0 ? random.uniform(-noise, noise) : 0
            pixels[i] = UInt8(min(255, max(0, (values[i] + grain).rounded())))
        }
    }
}
