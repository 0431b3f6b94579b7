import Foundation

/// What the last runs of one pipeline file produced: per stage, the key and output of its latest result.
///
/// Kept in `state/<name>-<hash of path>.json` and rewritten atomically after every stage, so an
/// interrupted run keeps what finished.
public struct PipelineState: Codable, Sendable {
    public struct StageRecord: Codable, Sendable, Equatable {
        public var key: String
        public var outputHash: String
        public var parts: KeyParts
        public var seconds: Double
        public var finished: Date
        /// Earlier keys of this stage, newest first, for `gc --keep-last`.
        public var history: [String]
    }

    public var pipeline: String
    /// The pipeline file: relative to the store's folder when they share a folder below `/`, so a checkout
    /// moved together with its store keeps its state; see `fileURL(root:)`.
    public var file: String
    public var stages: [String: StageRecord]

    public init(pipeline: String, file: String, stages: [String: StageRecord] = [:]) {
        self.pipeline = pipeline
        self.file = file
        self.stages = stages
    }

    static func url(in root: URL, pipeline: String, file: String) -> URL {
        let tag = ContentHasher.sha256(Data(file.utf8)).prefix(10)
        return root.appendingPathComponent("state/\(pipeline)-\(tag).json")
    }

    /// Loads the state of the pipeline file at the absolute path `file`, or an empty one.
    public static func load(root: URL, pipeline: String, file: String) -> PipelineState {
        let stored = storedForm(of: file, root: root)
        // Stores written before paths were portable named the state after the absolute path.
        for name in [stored, file] {
            let url = url(in: root, pipeline: pipeline, file: name)
            guard let data = FileManager.default.contents(atPath: url.path),
                  var state = try? ArtifactStore.decoder.decode(PipelineState.self, from: data) else { continue }
            state.file = stored
            return state
        }
        return PipelineState(pipeline: pipeline, file: stored)
    }

    /// How `file` (absolute) is recorded in the state of the store at `root`.
    public static func storedForm(of file: String, root: URL) -> String {
        PortablePaths(base: root, store: nil).portable(file)
    }

    /// The absolute pipeline file this state belongs to.
    public func fileURL(root: URL) -> URL {
        URL(fileURLWithPath: PortablePaths(base: root, store: nil).absolute(file))
    }

    /// Every state file in the store, with the file each was read from.
    public static func all(root: URL) -> [PipelineState] {
        let folder = root.appendingPathComponent("state")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.compactMap { name in
            FileManager.default.contents(atPath: folder.appendingPathComponent(name).path)
                .flatMap { try? ArtifactStore.decoder.decode(PipelineState.self, from: $0) }
        }
    }

    public func save(root: URL) throws {
        let url = Self.url(in: root, pipeline: pipeline, file: file)
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(try ArtifactStore.encoder.encode(self), to: url.path)
    }

    /// Records a new result for `stage`, keeping up to 20 earlier keys.
    public mutating func record(stage: String, meta: ArtifactMeta, finished: Date) {
        var history = stages[stage].map { [$0.key] + $0.history } ?? []
        history.removeAll { $0 == meta.key }
        stages[stage] = StageRecord(key: meta.key, outputHash: meta.outputHash, parts: meta.parts,
                                    seconds: meta.seconds, finished: finished, history: Array(history.prefix(20)))
    }
}
