/// The ImageNet architectures pipe can build, named as in its pipeline files.
public enum Architecture: String, CaseIterable, Codable, Sendable {
    case densenet121, densenet169, densenet201
    case resnet50
    case vgg16, vgg19
    case inceptionV3 = "inception_v3"

    /// Parses a name case-insensitively, accepting `-` or `_` separators (`DenseNet-121`, `inceptionv3`).
    public init(name: String) throws {
        let folded = name.lowercased().filter { $0 != "-" && $0 != "_" }
        guard let match = Self.allCases.first(where: { $0.rawValue.replacingOccurrences(of: "_", with: "") == folded }) else {
            throw ModelError.unknownArchitecture(name, known: Self.allCases.map(\.rawValue))
        }
        self = match
    }

    /// The input size the ImageNet weights were trained at, `(height, width)`.
    public var defaultInputSize: (height: Int, width: Int) {
        self == .inceptionV3 ? (299, 299) : (224, 224)
    }

    /// The input scaling the published weights of `variant` expect.
    public func preprocessing(for variant: Variant) -> Preprocessing {
        // torchvision's InceptionV3 weights were ported from TensorFlow: with `transform_input=True` the
        // model itself turns torch-mode input into tf-mode input, so pipe feeds tf mode directly.
        guard variant == .keras else { return self == .inceptionV3 ? .tf : .torch }
        switch self {
        case .densenet121, .densenet169, .densenet201: return .torch
        case .resnet50, .vgg16, .vgg19: return .caffe
        case .inceptionV3: return .tf
        }
    }

    /// The dense-block sizes of a full DenseNet, or nil for other families.
    var denseNetBlocks: [Int]? {
        switch self {
        case .densenet121: return [6, 12, 24, 16]
        case .densenet169: return [6, 12, 32, 32]
        case .densenet201: return [6, 12, 48, 32]
        default: return nil
        }
    }
}
