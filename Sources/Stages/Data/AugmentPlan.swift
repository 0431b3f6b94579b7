import Imaging
import PipeSpec

/// The `ops` list of `augment` (and `fine-tune`'s `online_augment`) as augmentation ops with probabilities.
public struct AugmentPlan: Sendable {
    public var steps: [(op: Augmentation, probability: Double)]

    /// One element of the list, every parameter with its default; each op reads the ones that concern it.
    struct Step {
        enum Name: String, ParameterChoice {
            case flipHorizontal = "flip_horizontal", flipVertical = "flip_vertical", rotate90, rotate
            case randomResizedCrop = "random_resized_crop", brightnessContrast = "brightness_contrast"
            case hedJitter = "hed_jitter", gamma
        }

        var op: Name
        var p = 0.5
        var degrees = 15.0
        var scale = [0.6, 1]
        var ratio = [0.75, 4.0 / 3]
        var brightness = 0.1
        var contrast = 0.1
        var sigma = 0.03
        var gamma = [0.8, 1.25]

        init(reading r: ParameterReader) throws {
            op = try r.required("op")
            p = try r.value("p", default: p)
            degrees = try r.value("degrees", default: degrees)
            scale = try r.value("scale", default: scale)
            ratio = try r.value("ratio", default: ratio)
            brightness = try r.value("brightness", default: brightness)
            contrast = try r.value("contrast", default: contrast)
            sigma = try r.value("sigma", default: sigma)
            gamma = try r.value("gamma", default: gamma)
            for (key, pair) in [("scale", scale), ("ratio", ratio), ("gamma", gamma)] where pair.count != 2 || pair[0] > pair[1] {
                throw r.invalid(key, "must be [low, high] with low <= high")
            }
        }

        var augmentation: Augmentation {
            switch op {
            case .flipHorizontal: .flipHorizontal
            case .flipVertical: .flipVertical
            case .rotate90: .rotate90
            case .rotate: .rotate(degrees: degrees)
            case .randomResizedCrop: .randomResizedCrop(scale: scale[0]...scale[1], ratio: ratio[0]...ratio[1])
            case .brightnessContrast: .brightnessContrast(brightness: brightness, contrast: contrast)
            case .hedJitter: .hedJitter(sigma: sigma)
            case .gamma: .gamma(gamma[0]...gamma[1])
            }
        }
    }

    /// Reads the list `key` of a stage's parameters.
    init(reading r: ParameterReader, key: String, required: Bool = false) throws {
        steps = try r.items(key, required: required) { try Step(reading: $0) }.map { ($0.augmentation, $0.p) }
    }

    /// Applies each step with its probability, in order.
    public func apply<R: RandomNumberGenerator>(to image: Image, using random: inout R) throws -> Image {
        var current = image
        for (op, probability) in steps where Double.random(in: 0..<1, using: &random) < probability {
            current = try op.apply(to: current, using: &random)
        }
        return current
    }
}
