import Foundation
import Imaging
import PipeBase

/// Paints a synthetic 16-bit mammogram with lesions, and their binary mask.
///
/// Benign masses are round or oval with a sharp, circumscribed edge; malignant masses are irregular with spicules
/// radiating out. Benign calcifications are few, larger and scattered; malignant ones are tiny, pleomorphic and clustered.
/// Each patient's `Tissue` (density, texture scale, brightness) is its own.
struct MammogramPainter {
    /// One patient's breast tissue.
    struct Tissue {
        var density: Double, cell: Double, brightness: Double

        init(random: inout SeededRandom) {
            density = random.uniform(0.2, 0.8)
            cell = random.uniform(0.04, 0.12)
            brightness = random.uniform(0.75, 1.0)
        }
    }

    /// A lesion to draw: centre and size in pixels.
    struct Lesion {
        var x: Double, y: Double, radius: Double
        var malignant: Bool, mass: Bool
    }

    let width: Int, height: Int
    var values: [Double]
    var mask: [UInt8]

    init(width: Int, height: Int) {
        self.width = width; self.height = height
        values = [Double](repeating: 0, count: width * height)
        mask = [UInt8](repeating: 0, count: width * height)
    }

    /// The breast outline (a half ellipse against the chest wall on the left, or right for a right breast) and texture.
    mutating func paintBreast(tissue: Tissue, right: Bool, mlo: Bool, random: inout SeededRandom) {
        let size = Double(min(width, height))
        let noise = ValueNoise(width: width, height: height, cell: tissue.cell * size, octaves: 4, random: &random).field()
        let rx = Double(width) * 0.85, ry = Double(height) * 0.47, cy = Double(height) * 0.5
        for y in 0..<height {
            for x in 0..<width {
                let fromWall = right ? Double(width - 1 - x) : Double(x)
                let u = fromWall / rx, v = (Double(y) - cy) / ry
                let r = u * u + v * v
                guard r < 1 else { continue }
                let skin = min(1, (1 - r) * 12)
                var value = 0.22 + 0.5 * tissue.density * Double(noise[y * width + x]) * (1 - 0.5 * u)
                if mlo && fromWall < Double(width) * 0.3 * (1 - Double(y) / (Double(height) * 0.45)) { value += 0.25 }
                values[y * width + x] = value * skin * tissue.brightness
            }
        }
    }

    /// Draws a lesion and marks it in the mask.
    mutating func paint(_ lesion: Lesion, random: inout SeededRandom) {
        if lesion.mass { paintMass(lesion, random: &random) } else { paintCalcifications(lesion, random: &random) }
    }

    private mutating func paintMass(_ lesion: Lesion, random: inout SeededRandom) {
        let lobes = (0..<5).map { _ in (random.uniform(0, 2 * .pi), random.uniform(0.1, 0.35)) }
        let aspect = random.uniform(0.75, 1)
        let spicules = lesion.malignant ? (0..<(10 + random.below(10))).map { _ in (random.uniform(0, 2 * .pi), random.uniform(1.6, 3)) } : []
        let reach = lesion.radius * (lesion.malignant ? 3.2 : 1.3)
        forEachPixel(near: lesion, reach: reach) { x, y, dx, dy in
            let angle = atan2(dy, dx), distance = (dx * dx + (dy / aspect) * (dy / aspect)).squareRoot() / lesion.radius
            var boundary = 1.0
            if lesion.malignant { for (phase, depth) in lobes { boundary += depth * 0.5 * sin(3 * angle + phase) } }
            let i = y * width + x
            if distance < boundary {
                let edge = lesion.malignant ? min(1, (boundary - distance) * 2) : min(1, (boundary - distance) * 8)
                values[i] += 0.3 * edge
                mask[i] = 255
            }
            for (direction, length) in spicules {
                var delta = angle - direction
                delta = atan2(sin(delta), cos(delta))
                let along = distance / length
                if distance > 0.8, along < 1, abs(delta) * distance * lesion.radius < 1.2 * (1 - along) + 0.4 {
                    values[i] += 0.18 * (1 - along)
                }
            }
        }
    }

    private mutating func paintCalcifications(_ lesion: Lesion, random: inout SeededRandom) {
        let count = lesion.malignant ? 15 + random.below(15) : 3 + random.below(4)
        let spread = lesion.radius * (lesion.malignant ? 0.6 : 1)
        for _ in 0..<count {
            let x = lesion.x + random.normal() * spread * 0.5, y = lesion.y + random.normal() * spread * 0.5
            let size = lesion.malignant ? random.uniform(0.6, 1.8) : random.uniform(1.8, 2.8)
            let stretch = lesion.malignant ? random.uniform(0.4, 1) : 1
            let dot = Lesion(x: x, y: y, radius: size, malignant: lesion.malignant, mass: false)
            forEachPixel(near: dot, reach: size * 1.5) { px, py, dx, dy in
                let d = (dx * dx + (dy / stretch) * (dy / stretch)).squareRoot() / size
                if d < 1 { values[py * width + px] += 0.45 * (1 - d * d) }
            }
        }
        forEachPixel(near: lesion, reach: lesion.radius) { x, y, dx, dy in
            if dx * dx + dy * dy < lesion.radius * lesion.radius { mask[y * width + x] = 255 }
        }
    }

    private func forEachPixel(near lesion: Lesion, reach: Double, _ body: (Int, Int, Double, Double) -> Void) {
        let x0 = max(0, Int(lesion.x - reach)), x1 = min(width - 1, Int(lesion.x + reach))
        let y0 = max(0, Int(lesion.y - reach)), y1 = min(height - 1, Int(lesion.y + reach))
        guard x0 <= x1, y0 <= y1 else { return }
        for y in y0...y1 { for x in x0...x1 { body(x, y, Double(x) - lesion.x, Double(y) - lesion.y) } }
    }

    /// The mammogram as 16-bit grey with a little quantum noise.
    func image(random: inout SeededRandom) -> Image {
        let words = values.map { v -> UInt16 in
            let noisy = v + (v > 0 ? random.normal() * 0.008 : 0)
            return UInt16(min(1, max(0, noisy)) * 65535)
        }
        return try! Image(width: width, height: height, format: .gray16, words: words)
    }

    /// The binary mask, 0 or 255.
    func maskImage() -> Image { try! Image(width: width, height: height, format: .gray8, bytes: mask) }

    /// The pixels of `image` inside the lesion's box plus a margin.
    static func crop(_ image: Image, around lesion: Lesion) -> Image {
        let half = Int(lesion.radius * 1.6) + 4
        let x0 = max(0, Int(lesion.x) - half), x1 = min(image.width, Int(lesion.x) + half)
        let y0 = max(0, Int(lesion.y) - half), y1 = min(image.height, Int(lesion.y) + half)
        var words: [UInt16] = []
        words.reserveCapacity((x1 - x0) * (y1 - y0))
        for y in y0..<y1 { words += image.words[(y * image.width + x0)..<(y * image.width + x1)] }
        return try! Image(width: x1 - x0, height: y1 - y0, format: .gray16, words: words)
    }
}
