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

    /// Saves the stat cache; failures only cost re-hashing next time.
    public func saveCache() { try? hasher.cache.save() }
}
