import Imaging
import PipeSpec

/// The `ops` list of `augment` (and `fine-tune`'s `online_augment`) as augmentation ops with probabilities.
public struct AugmentPlan: Sendable {
    public var steps: [(op: Augmentation, probability: Double)]

    /// Reads the schema-checked list; unset parameters take the documented defaults.
    public init(_ list: JSONValue?) {
        steps = (list?.arrayValue ?? []).compactMap { item in
            func number(_ key: String, _ fallback: Double) -> Double { item[key]?.numberValue ?? fallback }
            func range(_ key: String, _ fallback: ClosedRange<Double>) -> ClosedRange<Double> {
                guard let pair = item[key]?.arrayValue?.compactMap(\.numberValue), pair.count == 2, pair[0] <= pair[1] else { return fallback }
                return pair[0]...pair[1]
            }
            let op: Augmentation
            switch item["op"]?.stringValue {
            case "flip_horizontal": op = .flipHorizontal
            case "flip_vertical": op = .flipVertical
            case "rotate90": op = .rotate90
            case "rotate": op = .rotate(degrees: number("degrees", 15))
            case "random_resized_crop": op = .randomResizedCrop(scale: range("scale", 0.6...1), ratio: range("ratio", 0.75...(4.0 / 3)))
            case "brightness_contrast": op = .brightnessContrast(brightness: number("brightness", 0.1), contrast: number("contrast", 0.1))
            case "hed_jitter": op = .hedJitter(sigma: number("sigma", 0.03))
            case "gamma": op = .gamma(range("gamma", 0.8...1.25))
            default: return nil
            }
            return (op, number("p", 0.5))
        }
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
