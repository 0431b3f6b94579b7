/// Errors raised by the Models module, each phrased so the user can see what to change.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    /// An architecture name that pipe does not know.
    case unknownArchitecture(String, known: [String])
    /// Options that cannot build a model (for example a reduced DenseNet with no blocks).
    case invalidConfiguration(String)
    /// A weights file that cannot be read: missing, truncated or not in the format its name suggests.
    case unreadableWeights(path: String, reason: String)
    /// A file that cannot be written.
    case unwritable(path: String, reason: String)
    /// A weights file whose format pipe cannot tell from its name or contents.
    case unknownWeightFormat(path: String)
    /// Weights whose names or shapes do not match the model; nothing was loaded.
    case weightMismatch(WeightMismatch)
    /// A pipe checkpoint whose `model.json` is missing or invalid.
    case invalidCheckpoint(path: String, reason: String)
    /// An input batch the model cannot take.
    case invalidInput(String)

    public var description: String {
        switch self {
        case let .unknownArchitecture(name, known):
            return "unknown architecture '\(name)'; use one of: \(known.joined(separator: ", "))"
        case let .invalidConfiguration(reason):
            return "invalid model configuration: \(reason)"
        case let .unreadableWeights(path, reason):
            return "cannot read weights '\(path)': \(reason)"
        case let .unwritable(path, reason):
            return "cannot write '\(path)': \(reason)"
        case let .unknownWeightFormat(path):
            return "cannot tell the format of '\(path)'; expected a .safetensors file, a PyTorch .pth file, "
                + "a Keras .h5 file (*_tf_kernels*.h5) or a Keras 3 .weights.h5 file"
        case let .weightMismatch(mismatch):
            return mismatch.description
        case let .invalidCheckpoint(path, reason):
            return "invalid pipe checkpoint '\(path)': \(reason)"
        case let .invalidInput(reason):
            return "invalid model input: \(reason)"
        }
    }
}
