import Foundation

/// A state folder (`.pipe/` by default): the artifact store, the stat cache and the lock.
public final class Workspace: @unchecked Sendable {
    public let root: URL
    public let store: ArtifactStore
    public let hasher: TreeHasher

    /// Opens the state folder at `root`, creating it unless `create` is false (for read-only commands).
    public init(root: URL, create: Bool = true) throws {
        self.root = root
        store = try ArtifactStore(root: root, create: create)
        hasher = TreeHasher(cache: StatCache(path: root.appendingPathComponent("statcache").path))
    }

    /// Takes the workspace lock; see `WorkspaceLock`.
    public func lock(wait: Bool, onWait: (Int32?) -> Void = { _ in }) throws -> WorkspaceLock {
        try WorkspaceLock(path: root.appendingPathComponent("lock").path, wait: wait, onWait: onWait)
    }

    /// What the runs of the pipeline `pipeline` in the file `file` recorded (empty when it never ran here).
    public func runRecord(pipeline: String, file: URL) -> PipelineState {
        PipelineState.load(root: root, pipeline: pipeline, file: file.standardizedFileURL.path)
    }

    /// The latest stored result of `stage` of that pipeline; nil when it has none or gc removed it.
    public func latestResult(of stage: String, pipeline: String, file: URL) -> StoredResult? {
        guard let key = runRecord(pipeline: pipeline, file: file).stages[stage]?.key else { return nil }
        return result(key)
    }

    /// The committed result stored under `key`, nil when there is none.
    public func result(_ key: String) -> StoredResult? {
        store.meta(key).map { StoredResult(meta: $0, output: store.output(key)) }
    }

    /// Saves the stat cache; failures only cost re-hashing next time.
    public func saveCache() { try? hasher.cache.save() }
}
