import Foundation

/// Facts about the pipeline that every stage may use.
public struct PipelineContext: Sendable {
    public var name: String
    /// The folder of the pipeline file: relative paths in it resolve from here.
    public var directory: URL
    public var seed: Int
    /// The pipeline file and its SHA-256, for provenance records.
    public var file: URL?
    public var fileHash: String?
    /// The store's folder (`.pipe/`), for paths into other stages' results.
    public var store: URL?

    public init(name: String, directory: URL, seed: Int, file: URL? = nil, fileHash: String? = nil, store: URL? = nil) {
        self.name = name
        self.directory = directory
        self.seed = seed
        self.file = file
        self.fileHash = fileHash
        self.store = store
    }

    /// How paths are written into results and keys so that a moved checkout or store still finds them.
    public var paths: PortablePaths { PortablePaths(base: directory, store: store) }

    /// `path` resolved against the pipeline's folder unless absolute.
    public func resolve(_ path: String) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : directory.appendingPathComponent(path)
    }
}
