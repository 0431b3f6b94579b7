import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The content-addressed store of stage outputs under a state folder (`.pipe/` by default).
///
/// `objects/<key>/` holds a committed result: `out/` (the output), `meta.json` and `work/` (logs).
/// A stage runs in `tmp/<stage>-<pid>-<n>/`, which becomes `objects/<key>` by one `rename` only after
/// it succeeded, so an interrupted or failed stage never leaves an entry a later run would use.
/// Before that rename, large output files identical to one already stored become hard links to one copy in
/// `blobs/` (see `BlobPool`), so an unchanged checkpoint passed through a stage costs no space.
public final class ArtifactStore: @unchecked Sendable {
    public let root: URL
    /// Output files of at least this many bytes are pooled; smaller ones stay separate copies.
    public var poolThreshold: Int64 = 64 * 1024
    public var blobPool: BlobPool { BlobPool(folder: root.appendingPathComponent("blobs"), threshold: poolThreshold) }
    public var objects: URL { root.appendingPathComponent("objects") }
    public var temporary: URL { root.appendingPathComponent("tmp") }

    /// Opens the store at `root`; with `create`, makes its folders when missing.
    public init(root: URL, create: Bool = true) throws {
        self.root = root
        for folder in [root, objects, temporary] where create {
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw EngineError.unwritable(path: folder.path)
            }
        }
    }

    public func entry(_ key: String) -> URL { objects.appendingPathComponent(key) }

    public func output(_ key: String) -> URL { entry(key).appendingPathComponent("out") }

    /// Where a stage with this key keeps resume state between runs (`resume/<key>`).
    public func resumeFolder(_ key: String) -> URL { resume.appendingPathComponent(key) }

    private var resume: URL { root.appendingPathComponent("resume") }

    /// Deletes the resume state of every interrupted stage.
    public func removeResumeState() { try? FileManager.default.removeItem(at: resume) }

    /// The meta record of a committed entry, nil when absent or unreadable.
    public func meta(_ key: String) -> ArtifactMeta? {
        guard let data = FileManager.default.contents(atPath: entry(key).appendingPathComponent("meta.json").path) else { return nil }
        return try? Self.decoder.decode(ArtifactMeta.self, from: data)
    }

    /// A fresh folder to run `stage` in, with `out/` and `work/` inside; owned by this process.
    public func makeRunFolder(stage: String) throws -> URL {
        let safe = String(stage.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        let folder = temporary.appendingPathComponent("\(safe)-\(getpid())-\(UUID().uuidString.prefix(8))")
        do {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("out"), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("work"), withIntermediateDirectories: true)
            try Data("\(getpid())\n".utf8).write(to: folder.appendingPathComponent("owner"))
        } catch {
            throw EngineError.unwritable(path: folder.path)
        }
        return folder
    }

    /// Makes the run folder the committed entry for `meta.key`: files become read-only, `meta.json` is
    /// written, then the folder is renamed into `objects/`.
    public func commit(runFolder: URL, meta: ArtifactMeta) throws -> URL {
        let data = try Self.encoder.encode(meta)
        try AtomicFile.write(data, to: runFolder.appendingPathComponent("meta.json").path)
        try? FileManager.default.removeItem(at: runFolder.appendingPathComponent("owner"))
        let target = entry(meta.key)
        if FileManager.default.fileExists(atPath: target.path) { remove(meta.key) }
        guard rename(runFolder.path, target.path) == 0 else { throw EngineError.unwritable(path: target.path) }
        return target
    }

    /// Marks every file under `folder` read-only, so a result is not edited by accident.
    public func seal(_ folder: URL) {
        guard let files = try? FileTree.files(under: folder.path) else { return }
        for file in files { chmod(folder.path + "/" + file.relativePath, 0o444) }
    }

    /// Shares each file of the sealed output folder `out` of at least `poolThreshold` bytes with the identical
    /// files of other results; returns `snapshot` with the stats of the files as they are now (same hashes).
    public func pool(_ out: URL, snapshot: TreeHasher.Snapshot, hasher: TreeHasher) -> TreeHasher.Snapshot {
        let pool = blobPool
        var result = snapshot
        for (index, (file, hash)) in zip(snapshot.files, snapshot.fileHashes).enumerated() where file.stat.size >= poolThreshold {
            let path = out.path + "/" + file.relativePath
            guard pool.adopt(path, hash: hash, contentHash: { try? hasher.snapshot(of: $0).hash }) else { continue }
            if let stat = FileStat.of(path) { result.files[index].stat = stat }
        }
        return result
    }

    /// Every file of a committed entry with its absolute path and link count.
    public func files(of key: String) -> [(path: String, links: FileLinks)] {
        let folder = entry(key).path
        return ((try? FileTree.files(under: folder)) ?? []).compactMap { file in
            let path = folder + "/" + file.relativePath
            return FileLinks.of(path).map { (path, $0) }
        }
    }

    /// Bytes the committed entries and the blob pool take, each file counted once however many results link to it.
    public func diskUsage() -> Int64 {
        var seen = Set<UInt64>()
        var total: Int64 = 0
        for key in keys() {
            for (_, links) in files(of: key) where seen.insert(links.inode).inserted { total += links.size }
        }
        for (_, links) in blobPool.blobs() where seen.insert(links.inode).inserted { total += links.size }
        return total
    }

    /// Deletes a committed entry: first renamed away, so a crash never leaves half an entry under its key.
    public func remove(_ key: String) {
        let trash = temporary.appendingPathComponent("trash-\(key)-\(UUID().uuidString.prefix(8))")
        if rename(entry(key).path, trash.path) == 0 { try? FileManager.default.removeItem(at: trash) }
    }

    /// Removes run folders left by processes that no longer exist; returns their names.
    public func removeAbandonedRunFolders() -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: temporary.path) else { return [] }
        var removed: [String] = []
        for name in names {
            let folder = temporary.appendingPathComponent(name)
            let owner = (try? String(contentsOf: folder.appendingPathComponent("owner"), encoding: .utf8))
                .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if let owner, owner == getpid() || kill(owner, 0) == 0 { continue }
            try? FileManager.default.removeItem(at: folder)
            removed.append(name)
        }
        return removed
    }

    /// The keys of every committed entry.
    public func keys() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: objects.path))?.filter { $0.count == 64 } ?? []
    }

    /// Bytes of a committed entry's files, shared ones included (see `diskUsage` and `GarbageCollection`).
    public func size(of key: String) -> Int64 {
        ((try? FileTree.files(under: entry(key).path)) ?? []).reduce(0) { $0 + $1.stat.size }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
