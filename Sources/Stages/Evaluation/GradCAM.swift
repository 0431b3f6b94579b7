import CNN
import Foundation
import Imaging
import Models

/// Class-activation maps (Selvaraju et al., Grad-CAM): the last feature map's channels weighted by the
/// gradient of a class's logit with respect to them, kept where positive.
///
/// The trunk ends in global average pooling, so the gradient with respect to a feature-map channel is the
/// same at every pixel: the head's input gradient divided by the pixel count. Only the head runs backward.
struct GradCAM {
    /// One map, `height x width`, scaled to 0...1 (all zero when nothing supports the class).
    struct Map {
        var values: [Float]
        var height: Int, width: Int
    }

    let classifier: TrainedClassifier

    /// The maps of `paths` for the classes `targets` (indices into `classifier.classes`); nil when the
    /// model has no pooled feature map to explain.
    func maps(of paths: [String], targets: [Int]) throws -> [Map]? {
        let model = classifier.model
        guard let featureNode = model.featureMapNodeIndex, !paths.isEmpty else { return nil }
        let input = try TrainedClassifier.batch(paths, size: classifier.imageSize, preprocessing: model.preprocessing)
        let logits = try model.graph.forward(input, mode: .inference)
        guard let features = model.graph.value(at: featureNode), features.shape.count == 4 else { return nil }
        let classes = logits.shape[1]
        var gradient = Tensor(shape: logits.shape)
        for (row, target) in targets.enumerated() { gradient.data[row * classes + target] = 1 }
        let context = LayerContext(mode: .inference, arena: model.graph.arena)
        for layer in classifier.head.layers.reversed() {
            guard let next = layer.backward(gradient, inputNeedsGradient: [true], context: context).first ?? nil else { return nil }
            gradient = next
        }
        let (height, width, channels) = (features.shape[1], features.shape[2], features.shape[3])
        guard gradient.count == paths.count * channels else { return nil }
        return (0..<paths.count).map { image in
            let weights = gradient.data + image * channels
            var values = (0..<(height * width)).map { pixel -> Float in
                let activations = features.data + (image * height * width + pixel) * channels
                var sum: Float = 0
                for c in 0..<channels { sum += weights[c] * activations[c] }
                return max(sum, 0)
            }
            let peak = values.max() ?? 0
            if peak > 0 { values = values.map { $0 / peak } }
            return Map(values: values, height: height, width: width)
        }
    }

    /// The image at `path`, `size x size`, with `map` laid over it in a blue-to-red scale, as a PNG.
    static func overlay(_ map: Map, on path: String, size: Int) throws -> Data {
        guard case .success(let image) = ImageDecoder.decodeAll([URL(fileURLWithPath: path)], as: .rgb8,
                                                                resizeTo: (size, size))[0] else {
            throw StageError.badInput(file: path, reason: "cannot decode the image for its Grad-CAM overlay")
        }
        var pixels = image.rgbBytes()
        for y in 0..<size {
            for x in 0..<size {
                let heat = sample(map, x: (Float(x) + 0.5) / Float(size), y: (Float(y) + 0.5) / Float(size))
                let color = palette(heat)
                for c in 0..<3 {
                    let base = Float(pixels[(y * size + x) * 3 + c])
                    pixels[(y * size + x) * 3 + c] = UInt8(max(0, min(255, (0.55 * base + 0.45 * color[c]).rounded())))
                }
            }
        }
        return try PNGCodec.encode(try Image(width: size, height: size, format: .rgb8, bytes: pixels))
    }

    /// Bilinear sample at `(x, y)` in 0...1 image coordinates, map cells centred as pixels are.
    private static func sample(_ map: Map, x: Float, y: Float) -> Float {
        let fx = min(max(x * Float(map.width) - 0.5, 0), Float(map.width - 1))
        let fy = min(max(y * Float(map.height) - 0.5, 0), Float(map.height - 1))
        let x0 = Int(fx), y0 = Int(fy), x1 = min(x0 + 1, map.width - 1), y1 = min(y0 + 1, map.height - 1)
        let ax = fx - Float(x0), ay = fy - Float(y0)
        func v(_ x: Int, _ y: Int) -> Float { map.values[y * map.width + x] }
        return (v(x0, y0) * (1 - ax) + v(x1, y0) * ax) * (1 - ay) + (v(x0, y1) * (1 - ax) + v(x1, y1) * ax) * ay
    }

    /// Blue (0) through cyan, yellow to red (1), as 0...255 RGB.
    private static func palette(_ t: Float) -> [Float] {
        let stops: [(Float, [Float])] = [(0, [0, 0, 160]), (0.35, [0, 200, 255]), (0.65, [255, 230, 0]), (1, [220, 0, 0])]
        let t = min(max(t, 0), 1)
        let upper = stops.firstIndex { $0.0 >= t } ?? stops.count - 1
        guard upper > 0 else { return stops[0].1 }
        let (t0, c0) = stops[upper - 1], (t1, c1) = stops[upper]
        let a = (t - t0) / max(t1 - t0, 1e-6)
        return (0..<3).map { c0[$0] + (c1[$0] - c0[$0]) * a }
    }
}
