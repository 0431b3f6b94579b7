import Models

/// The `with` block of `import-weights`.
public struct ImportWeightsParameters: StageParameterSet {
    public enum Source: String, ParameterChoice { case keras, torchvision, file, none }

    public var arch: Architecture
    /// `arch` as the schema spells it, which names the official files.
    public var archName: String
    public var source = Source.none
    /// `source: file`: the weights file, relative to the pipeline file.
    public var file: String?
    /// `source: file`: the file's expected SHA-256.
    public var sha256: String?
    public var includeTop = false

    public init(reading r: ParameterReader) throws {
        archName = try r.required("arch")
        do { arch = try Architecture(name: archName) } catch { throw r.invalid("arch", "\(error)") }
        source = try r.required("source")
        file = try r.optional("file")
        sha256 = try r.optional("sha256")
        includeTop = try r.value("include_top", default: includeTop)
        if source == .file && file == nil { throw r.invalid("file", "is needed with source: file") }
    }
}
