import PipeSpec

/// The `with` block of `evaluate`.
public struct EvaluateParameters: StageParameterSet {
    public enum Split: String, ParameterChoice { case train, val, test }

    /// The decision threshold on the positive class's probability: fixed, or Youden's J on the validation split.
    public enum Threshold: ParameterValue, Equatable {
        case fixed(Double)
        case youdenOnVal

        public init?(json: JSONValue) {
            if let value = json.numberValue { self = .fixed(value) } else if json.stringValue == "youden-on-val" { self = .youdenOnVal } else { return nil }
        }

        public var json: JSONValue {
            switch self {
            case .fixed(let value): .number(value)
            case .youdenOnVal: .string("youden-on-val")
            }
        }
    }

    public var split = Split.test
    public var threshold = Threshold.fixed(0.5)
    /// Bootstrap resamples (by patient) for the confidence intervals; 0 for none.
    public var bootstrap = 1000
    /// Test images explained with Grad-CAM overlays (the report shows up to its own `gradcam_images` of them).
    public var gradcamImages = 8

    public init(reading r: ParameterReader) throws {
        split = try r.value("split", default: split)
        threshold = try r.value("threshold", default: threshold)
        bootstrap = try r.value("bootstrap", default: bootstrap)
        gradcamImages = try r.value("gradcam_images", default: gradcamImages)
    }
}
