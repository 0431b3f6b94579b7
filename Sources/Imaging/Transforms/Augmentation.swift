import Foundation

/// Random image changes for training: flips, rotations, crops, brightness/contrast, HED stain jitter, gamma.
///
/// Each op works on 8-bit images (grey or RGB) and draws its randomness from the generator it is given, so a
/// seeded generator makes every augmented copy reproducible.
public enum Augmentation: Sendable, Equatable {
    case flipHorizontal
    case flipVertical
    /// A quarter turn 1, 2 or 3 times, chosen at random (the image keeps its width and height when square).
    case rotate90
    /// A rotation by up to `degrees` either way about the centre, reflecting at the borders.
    case rotate(degrees: Double)
    /// A crop of a random area share in `scale` and aspect ratio in `ratio`, resized back to the input size.
    case randomResizedCrop(scale: ClosedRange<Double>, ratio: ClosedRange<Double>)
    /// Brightness shift up to `brightness` of full scale and contrast factor within 1 ± `contrast`.
    case brightnessContrast(brightness: Double, contrast: Double)
    /// Haematoxylin-eosin-DAB stain jitter: each stain's density scaled by 1 ± `sigma` and shifted by ± `sigma`.
    case hedJitter(sigma: Double)
    /// A gamma curve with gamma drawn from `range`.
    case gamma(ClosedRange<Double>)

    /// Applies the op to `image`.
    public func apply<R: RandomNumberGenerator>(to image: Image, using random: inout R) throws(ImagingError) -> Image {
        let source = image.format.isSixteenBit ? image.converted(to: image.channels == 3 ? .rgb8 : .gray8) : image
        switch self {
        case .flipHorizontal:
            return try Self.remap(source, width: source.width, height: source.height) { x, y in (source.width - 1 - x, y) }
        case .flipVertical:
            return try Self.remap(source, width: source.width, height: source.height) { x, y in (x, source.height - 1 - y) }
        case .rotate90:
            let turns = Int.random(in: 1...3, using: &random)
            let (w, h) = turns == 2 ? (source.width, source.height) : (source.height, source.width)
            return try Self.remap(source, width: w, height: h) { x, y in
                switch turns {
                case 1: (y, source.height - 1 - x)
                case 2: (source.width - 1 - x, source.height - 1 - y)
                default: (source.width - 1 - y, x)
                }
            }
        case .rotate(let degrees):
            return Self.rotated(source, by: Double.random(in: -degrees...degrees, using: &random) * .pi / 180)
        case .randomResizedCrop(let scale, let ratio):
            return try Self.randomCrop(source, scale: scale, ratio: ratio, using: &random)
        case .brightnessContrast(let brightness, let contrast):
            let shift = Double.random(in: -brightness...brightness, using: &random) * 255
            let factor = Double.random(in: (1 - contrast)...(1 + contrast), using: &random)
            let mean = Double(source.bytes.reduce(0) { $0 + Int($1) }) / Double(max(1, source.bytes.count))
            return try Self.mapSamples(source) { v in (Double(v) - mean) * factor + mean + shift }
        case .hedJitter(let sigma):
            return try StainJitter.apply(to: source, sigma: sigma, using: &random)
        case .gamma(let range):
            let g = Double.random(in: range, using: &random)
            return try Self.mapSamples(source) { v in pow(Double(v) / 255, g) * 255 }
        }
    }

    /// Builds an image by reading, for each output pixel, the source pixel `lookup(x, y)` names.
    static func remap(_ image: Image, width: Int, height: Int, _ lookup: (Int, Int) -> (Int, Int)) throws(ImagingError) -> Image {
        let c = image.channels
        var out = [UInt8](repeating: 0, count: width * height * c)
        image.bytes.withUnsafeBufferPointer { src in
            for y in 0..<height {
                for x in 0..<width {
                    let (sx, sy) = lookup(x, y)
                    for k in 0..<c { out[(y * width + x) * c + k] = src[(sy * image.width + sx) * c + k] }
                }
            }
        }
        return try Image(width: width, height: height, format: image.format, bytes: out)
    }

    /// Applies a per-sample curve, rounding and clamping to 0...255.
    static func mapSamples(_ image: Image, _ curve: (UInt8) -> Double) throws(ImagingError) -> Image {
        let table = (0...255).map { UInt8(max(0, min(255, curve(UInt8($0)).rounded()))) }
        return try Image(width: image.width, height: image.height, format: image.format, bytes: image.bytes.map { table[Int($0)] })
    }

    /// Bilinear rotation about the centre; samples outside the image reflect back in.
    static func rotated(_ image: Image, by angle: Double) -> Image {
        let c = image.channels, w = image.width, h = image.height
        let (cx, cy) = (Double(w - 1) / 2, Double(h - 1) / 2)
        let (cosA, sinA) = (cos(angle), sin(angle))
        func reflect(_ v: Double, _ n: Int) -> Double {
            let period = Double(2 * (n - 1))
            guard period > 0 else { return 0 }
            var m = v.truncatingRemainder(dividingBy: period)
            if m < 0 { m += period }
            return m > Double(n - 1) ? period - m : m
        }
        var out = [UInt8](repeating: 0, count: w * h * c)
        for y in 0..<h {
            for x in 0..<w {
                let dx = Double(x) - cx, dy = Double(y) - cy
                let sx = reflect(cosA * dx + sinA * dy + cx, w), sy = reflect(-sinA * dx + cosA * dy + cy, h)
                let x0 = min(Int(sx), w - 1), y0 = min(Int(sy), h - 1)
                let x1 = min(x0 + 1, w - 1), y1 = min(y0 + 1, h - 1)
                let fx = sx - Double(x0), fy = sy - Double(y0)
                for k in 0..<c {
                    let top = Double(image.bytes[(y0 * w + x0) * c + k]) * (1 - fx) + Double(image.bytes[(y0 * w + x1) * c + k]) * fx
                    let bottom = Double(image.bytes[(y1 * w + x0) * c + k]) * (1 - fx) + Double(image.bytes[(y1 * w + x1) * c + k]) * fx
                    out[(y * w + x) * c + k] = UInt8(max(0, min(255, (top * (1 - fy) + bottom * fy).rounded())))
                }
            }
        }
        return try! Image(width: w, height: h, format: image.format, bytes: out)
    }

    /// Torchvision-style random resized crop: up to ten tries for a box inside the image, else the centre.
    static func randomCrop<R: RandomNumberGenerator>(_ image: Image, scale: ClosedRange<Double>, ratio: ClosedRange<Double>,
                                                     using random: inout R) throws(ImagingError) -> Image {
        let area = Double(image.width * image.height)
        var box = (x: 0, y: 0, w: image.width, h: image.height)
        for _ in 0..<10 {
            let target = area * Double.random(in: scale, using: &random)
            let aspect = exp(Double.random(in: log(ratio.lowerBound)...log(ratio.upperBound), using: &random))
            let w = Int((target * aspect).squareRoot().rounded()), h = Int((target / aspect).squareRoot().rounded())
            if w > 0, h > 0, w <= image.width, h <= image.height {
                box = (Int.random(in: 0...(image.width - w), using: &random), Int.random(in: 0...(image.height - h), using: &random), w, h)
                break
            }
        }
        let crop = try remap(image, width: box.w, height: box.h) { x, y in (x + box.x, y + box.y) }
        return try Resizer.resize(crop, width: image.width, height: image.height)
    }
}
