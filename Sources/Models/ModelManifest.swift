/// The `model.json` of a pipe checkpoint: everything needed to rebuild the model its weights belong to.
public struct ModelManifest: Codable, Equatable, Sendable {
    /// Where a model's starting weights came from.
    public struct SourceWeights: Codable, Equatable, Sendable {
        /// The file name or URL the weights were imported from.
        public var name: String
        /// The SHA-256 of that file, lowercase hex.
        public var sha256: String

        public init(name: String, sha256: String) {
            self.name = name
            self.sha256 = sha256
        }
    }

    /// `pipe-model/1`; bumped when the layout changes.
    public var format: String
    public var architecture: Architecture
    public var variant: Variant
    /// Build options, including `classes`, `includeTop` and the input size.
    public var options: ModelOptions
    public var preprocessing: Preprocessing
    /// Class names in output order, when known.
    public var classNames: [String]?
    public var sourceWeights: SourceWeights?

    public static let currentFormat = "pipe-model/1"

    public init(architecture: Architecture, variant: Variant, options: ModelOptions, preprocessing: Preprocessing,
                classNames: [String]? = nil, sourceWeights: SourceWeights? = nil) {
        format = Self.currentFormat
        self.architecture = architecture
        self.variant = variant
        self.options = options
        self.preprocessing = preprocessing
        self.classNames = classNames
        self.sourceWeights = sourceWeights
    }
}
