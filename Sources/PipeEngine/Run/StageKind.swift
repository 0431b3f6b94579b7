import Foundation
import PipeSpec

/// A kind of stage (`command`, `split`, `fine-tune`, ...) as the engine sees it: what it reads and how to run it.
public protocol StageKind: Sendable {
    /// The `kind:` name in pipeline files.
    var name: String { get }
    /// Bumped whenever the kind's behaviour changes, so results of older versions are recomputed.
    var version: Int { get }
    /// Checks what the schema cannot and names what the stage reads outside the store.
    func plan(_ stage: StageSpec, pipeline: PipelineContext) throws -> StagePlan
    /// Produces the stage's result in `context.output`; throws to fail the stage.
    func run(_ stage: StageSpec, plan: StagePlan, context: StageContext) throws
}

extension StageKind {
    /// By default a stage reads only its upstream outputs and uses one core.
    public func plan(_ stage: StageSpec, pipeline: PipelineContext) throws -> StagePlan { StagePlan() }
}

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

/// What a stage needs besides its parameters: external inputs (part of its key) and its core count.
public struct StagePlan: Sendable {
    /// Files and folders outside the store that the stage reads; their content is part of the key.
    public var externalInputs: [URL]
    /// How many cores the stage keeps busy, so the scheduler does not oversubscribe them.
    public var cores: Int
    /// The parameters the stage runs with, defaults filled in, when the kind decodes them; the key is made
    /// of these instead of the `with` text, so spelling out a default does not rerun the stage.
    public var parameters: JSONValue?

    public init(externalInputs: [URL] = [], cores: Int = 1, parameters: JSONValue? = nil) {
        self.externalInputs = externalInputs
        self.cores = cores
        self.parameters = parameters
    }

    /// A plan that keeps every core busy (decoding, hashing or rendering in parallel).
    public static var allCores: StagePlan { StagePlan(cores: ProcessInfo.processInfo.activeProcessorCount) }
}
