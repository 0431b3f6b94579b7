import Foundation

/// Which stored results `pipe gc` removes: everything that is not among the last results of a stage of a
/// kept pipeline, plus the file listings of input folders no kept result was made from and the cache shelves
/// no kept result used.
public struct GarbageCollection: Sendable {
    /// A result to remove, with its meta record (nil when unreadable) and the bytes removing it frees: a file
    /// shared with a kept result frees nothing, one shared among removed results counts once (for the first).
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var meta: ArtifactMeta?
        public var bytes: Int64
    }

    /// What would be removed, sorted by key.
    public var doomed: [Entry]
    /// How many results are kept.
    public var kept: Int
    private var keptInputHashes: Set<String>
    /// Bytes of pooled blobs that no result links to already (left by a crash or an earlier removal).
    public var orphanBlobBytes: Int64
    /// Cache shelves that no kept result used, by name, with their sizes.
    public var doomedShelves: [(name: String, bytes: Int64)]

    public var freedBytes: Int64 { doomed.reduce(0) { $0 + $1.bytes } + orphanBlobBytes + doomedShelves.reduce(0) { $0 + $1.bytes } }

    /// Plans a collection of `workspace`: a result is kept when it is among the `keepLast` newest of a stage
    /// of a pipeline file that `keepsPipeline` (given its absolute path) accepts.
    public init(_ workspace: Workspace, keepLast: Int, keepsPipeline: (String) -> Bool) {
        var keep = Set<String>()
        var inputHashes = Set<String>()
        for state in PipelineState.all(root: workspace.root) {
            guard keepsPipeline(state.fileURL(root: workspace.root).standardizedFileURL.path) else { continue }
            for record in state.stages.values {
                keep.formUnion(([record.key] + record.history).prefix(keepLast))
                inputHashes.formUnion(record.parts.inputs.values)
            }
        }
        let store = workspace.store
        let doomedKeys = store.keys().filter { !keep.contains($0) }.sorted()
        let files = Dictionary(uniqueKeysWithValues: doomedKeys.map { ($0, store.files(of: $0)) })
        let blobs = store.blobPool.blobs()
        let pooled = Set(blobs.map { $0.links.inode })
        var doomedLinks: [UInt64: Int] = [:]
        for key in doomedKeys { for (_, links) in files[key]! { doomedLinks[links.inode, default: 0] += 1 } }
        var counted = Set<UInt64>()
        doomed = doomedKeys.map { key in
            var bytes: Int64 = 0
            for (_, links) in files[key]! where counted.insert(links.inode).inserted {
                // Freed when every remaining name of the inode goes: the removed results' and the pool's own.
                if doomedLinks[links.inode]! + (pooled.contains(links.inode) ? 1 : 0) >= links.links { bytes += links.size }
            }
            return Entry(key: key, meta: store.meta(key), bytes: bytes)
        }
        orphanBlobBytes = blobs.filter { $0.links.links <= 1 }.reduce(0) { $0 + $1.links.size }
        kept = keep.count
        keptInputHashes = inputHashes
        let usedShelves = Set(keep.compactMap { store.meta($0)?.shelves }.joined())
        let shelves = workspace.root.appendingPathComponent("shelves")
        doomedShelves = ((try? FileManager.default.contentsOfDirectory(atPath: shelves.path)) ?? []).sorted()
            .filter { !usedShelves.contains($0) }
            .map { ($0, CacheShelf(name: $0, in: shelves).bytes) }
    }

    /// Removes the doomed results, the blobs no result links to any more, the unused listings and cache shelves, the
    /// half-written entries of kept shelves, the resume state of interrupted stages (a rerun would resume from it; after
    /// gc they start afresh) and the folders of Slurm jobs (their logs). Call it holding the workspace lock.
    public func apply(to workspace: Workspace) {
        let listings = TreeListings(root: workspace.root)
        for hash in listings.hashes() where !keptInputHashes.contains(hash) { listings.remove(hash) }
        for entry in doomed {
            workspace.store.remove(entry.key)
            workspace.hasher.cache.forget(under: workspace.store.entry(entry.key).path)
        }
        workspace.store.blobPool.sweep()
        let shelves = workspace.root.appendingPathComponent("shelves")
        let doomedNames = Set(doomedShelves.map(\.name))
        for name in (try? FileManager.default.contentsOfDirectory(atPath: shelves.path)) ?? [] {
            let shelf = CacheShelf(name: name, in: shelves)
            if doomedNames.contains(name) { try? FileManager.default.removeItem(at: shelf.folder) } else { shelf.removeStrays() }
        }
        workspace.hasher.cache.forgetMissing()
        workspace.store.removeResumeState()
        // The folders of finished jobs only hold the logs of failures; gc runs holding the lock, so no job of
        // this store is waiting for its ticket.
        try? FileManager.default.removeItem(at: workspace.root.appendingPathComponent("jobs"))
        workspace.saveCache()
    }
}
