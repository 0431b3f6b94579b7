import Foundation
import Imaging
import PipeBase

/// Paints synthetic H&E histology: eosin-pink stroma and hematoxylin-purple nuclei, mixed in optical density.
///
/// Benign tissue has sparse, regular, round nuclei lining gland-like rings around pale lumens; malignant tissue has
/// dense, pleomorphic, hyperchromatic nuclei in disorder. Each patient's `Stain` (colours, texture, nuclear size)
/// is its own, so images of one patient resemble each other more than those of another patient with the same label.
struct TissuePainter {
    /// One patient's look.
    struct Stain {
        var hematoxylin: [Float]   // optical density per RGB channel
        var eosin: [Float]
        var stroma: Float          // base eosin density
        var textureCell: Double    // size of stromal texture features, pixels at 100X
        var nucleusScale: Double
        var background: Float      // brightness of empty glass, 0...1

        init(random: inout SeededRandom) {
            let hue = Float(random.uniform(-0.12, 0.12)), strength = Float(random.uniform(0.8, 1.25))
            hematoxylin = [0.65 + hue, 0.70 - hue / 2, 0.29 - hue / 2].map { max(0.05, $0 * strength) }
            let pink = Float(random.uniform(-0.1, 0.1))
            eosin = [0.07 + pink / 3, 0.99 - pink, 0.11 + pink / 2].map { max(0.02, $0 * Float(random.uniform(0.8, 1.2))) }
            stroma = Float(random.uniform(0.25, 0.55))
            textureCell = random.uniform(10, 40)
            nucleusScale = random.uniform(0.85, 1.2)
            background = Float(random.uniform(0.9, 1.0))
        }

        /// Widens the patient's look by `strength` (0...1): stain colours and strength, stroma and glass brightness.
        mutating func vary(strength: Double, random: inout SeededRandom) {
            guard strength > 0 else { return }
            let s = Float(strength)
            hematoxylin = hematoxylin.map { max(0.05, $0 * (1 + s * Float(random.uniform(-0.3, 0.3)))) }
            eosin = eosin.map { max(0.02, $0 * (1 + s * Float(random.uniform(-0.3, 0.3)))) }
            stroma = max(0.1, stroma + s * Float(random.uniform(-0.15, 0.15)))
            background *= 1 - s * Float(random.uniform(0, 0.12))
        }
    }

    let width: Int, height: Int
    /// Magnification relative to 100X: nuclei and glands grow with it.
    let zoom: Double
    var hematoxylinDensity: [Float]
    var eosinDensity: [Float]

    /// `scale` multiplies the apparent size of everything (a scanner's or objective's deviation from nominal).
    init(width: Int, height: Int, magnification: Int, scale: Double = 1) {
        self.width = width; self.height = height
        zoom = Double(magnification) / 100 * Double(min(width, height)) / 460 * scale
        hematoxylinDensity = [Float](repeating: 0, count: width * height)
        eosinDensity = [Float](repeating: 0, count: width * height)
    }

    /// Paints one field of view and returns it as RGB.
    mutating func paint(malignant: Bool, stain: Stain, random: inout SeededRandom) -> Image {
        let texture = ValueNoise(width: width, height: height, cell: stain.textureCell * max(zoom, 0.3), octaves: 3, random: &random)
        eosinDensity = texture.field().map { stain.stroma * (0.55 + 0.9 * $0) }
        let radius = 4.0 * zoom * stain.nucleusScale + 1
        if malignant { paintCarcinoma(radius: radius, random: &random) } else { paintGlands(radius: radius, random: &random) }
        return compose(stain: stain, random: &random)
    }

    /// Paints a field whose morphology lies between benign (`morphology` 0: glands, regular nuclei) and malignant
    /// (1: crowded, large, dark, pleomorphic nuclei); in between, both in proportion, nuclei growing with the score.
    mutating func paint(morphology: Double, stain: Stain, random: inout SeededRandom) -> Image {
        let m = min(1, max(0, morphology))
        let texture = ValueNoise(width: width, height: height, cell: stain.textureCell * max(zoom, 0.3), octaves: 3, random: &random)
        eosinDensity = texture.field().map { stain.stroma * (0.55 + 0.9 * $0) }
        let radius = 4.0 * zoom * stain.nucleusScale * (0.85 + 0.3 * m) + 1
        paintGlands(radius: radius, share: 1 - m, random: &random)
        paintCarcinoma(radius: radius, share: m, grade: m, random: &random)
        return compose(stain: stain, random: &random)
    }

    /// Glands: pale lumens ringed by evenly spaced round nuclei, a few stromal nuclei between them.
    /// `share` scales the number of glands and stromal nuclei (1: a whole benign field).
    private mutating func paintGlands(radius: Double, share: Double = 1, random: inout SeededRandom) {
        let glandRadius = radius * random.uniform(5, 8)
        let area = Double(width * height)
        let full = area / (glandRadius * glandRadius * 9)
        let glands = share >= 1 ? max(1, Int(full)) : Int((full * share).rounded())
        for _ in 0..<glands {
            let cx = random.uniform(0, Double(width)), cy = random.uniform(0, Double(height))
            let r = glandRadius * random.uniform(0.8, 1.2)
            let tilt = random.uniform(0, .pi)
            fill(cx: cx, cy: cy, rx: r, ry: r * 0.93, angle: tilt, into: .eosin, density: 0.3)
            fill(cx: cx, cy: cy, rx: r * 0.65, ry: r * 0.6, angle: tilt, into: .eosin, density: -10)
            let count = max(6, Int(2 * .pi * r * 0.8 / (radius * 2.6)))
            for k in 0..<count {
                let t = 2 * Double.pi * (Double(k) + random.uniform(-0.1, 0.1)) / Double(count)
                let size = radius * random.uniform(0.92, 1.08)
                fill(cx: cx + r * 0.8 * cos(t), cy: cy + r * 0.75 * sin(t), rx: size, ry: size * 0.9, angle: t,
                     into: .hematoxylin, density: Float(random.uniform(0.55, 0.7)))
            }
        }
        for _ in 0..<Int(area / (radius * radius * 260) * share) {
            let size = radius * 0.6
            fill(cx: random.uniform(0, Double(width)), cy: random.uniform(0, Double(height)), rx: size * 1.8, ry: size * 0.6,
                 angle: random.uniform(0, .pi), into: .hematoxylin, density: 0.5)
        }
    }

    /// Carcinoma: crowded nuclei of varied size, shape and darkness, in clumps with no architecture.
    /// `share` scales the number of nuclei; `grade` below 1 makes them smaller, paler and more regular.
    private mutating func paintCarcinoma(radius: Double, share: Double = 1, grade: Double = 1, random: inout SeededRandom) {
        let area = Double(width * height)
        let clumps = max(2, Int(area / (radius * radius * 600)))
        let count = Int(area / (radius * radius * 14) * share)
        let centres = (0..<clumps).map { _ in (random.uniform(0, Double(width)), random.uniform(0, Double(height))) }
        let spread = Double(min(width, height)) * 0.35
        for i in 0..<count {
            let (centreX, centreY) = centres[i % clumps]
            let cx = centreX + random.normal() * spread, cy = centreY + random.normal() * spread
            let size = radius * random.uniform(0.9, 1.9 - (1 - grade) * 0.8)
            fill(cx: cx, cy: cy, rx: size, ry: size * random.uniform(0.5, 0.95), angle: random.uniform(0, .pi),
                 into: .hematoxylin, density: Float(random.uniform(0.9 - (1 - grade) * 0.3, 1.6 - (1 - grade) * 0.85)))
        }
    }

    private enum Layer { case hematoxylin, eosin }

    /// Adds `density` inside a rotated ellipse, softened over its last pixel (negative density clears eosin).
    private mutating func fill(cx: Double, cy: Double, rx: Double, ry: Double, angle: Double, into layer: Layer, density: Float) {
        let reach = max(rx, ry) + 1
        let x0 = max(0, Int(cx - reach)), x1 = min(width - 1, Int(cx + reach))
        let y0 = max(0, Int(cy - reach)), y1 = min(height - 1, Int(cy + reach))
        guard x0 <= x1, y0 <= y1 else { return }
        let c = cos(angle), s = sin(angle)
        for y in y0...y1 {
            for x in x0...x1 {
                let dx = Double(x) - cx, dy = Double(y) - cy
                let u = (dx * c + dy * s) / rx, v = (-dx * s + dy * c) / ry
                let d = (u * u + v * v).squareRoot()
                guard d < 1 else { continue }
                let edge = Float(min(1, (1 - d) * min(rx, ry)))
                let i = y * width + x
                switch layer {
                case .hematoxylin: hematoxylinDensity[i] = min(3, hematoxylinDensity[i] + density * edge * (0.85 + 0.15 * Float(d)))
                case .eosin: eosinDensity[i] = max(0.02, eosinDensity[i] + density * edge)
                }
            }
        }
    }

    /// Beer-Lambert mixing of the two stains, through lookup tables (no per-pixel grain: it would make PNGs slow to write).
    private func compose(stain: Stain, random: inout SeededRandom) -> Image {
        let steps = 512, top: Float = 4
        let scale = Float(steps - 1) / top
        // transmission[stain][channel * steps + level]
        let h = (0..<(3 * steps)).map { exp(-stain.hematoxylin[$0 / steps] * Float($0 % steps) / scale) * 255 * stain.background }
        let e = (0..<(3 * steps)).map { exp(-stain.eosin[$0 / steps] * Float($0 % steps) / scale) }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        h.withUnsafeBufferPointer { h in
            e.withUnsafeBufferPointer { e in
                hematoxylinDensity.withUnsafeBufferPointer { hd in
                    eosinDensity.withUnsafeBufferPointer { ed in
                        pixels.withUnsafeMutableBufferPointer { out in
                            for i in 0..<(width * height) {
                                let hi = min(steps - 1, Int(hd[i] * scale)), ei = min(steps - 1, Int(ed[i] * scale))
                                for ch in 0..<3 {
                                    out[3 * i + ch] = UInt8(min(255, max(0, h[ch * steps + hi] * e[ch * steps + ei])))
                                }
                            }
                        }
                    }
                }
            }
        }
        return try! Image(width: width, height: height, format: .rgb8, bytes: pixels)
    }
}
