import Crypto
import Foundation

/// Hashes files and folders by content, reading only files whose stat changed since the last time.
public final class TreeHasher: @unchecked Sendable {
    public let cache: StatCache
    private let counter = NSLock()
    private var reads = 0

    public init(cache: StatCache) { self.cache = cache }

    /// How many files this hasher has read (the rest came from the stat cache).
    public var filesRead: Int {
        counter.lock()
        defer { counter.unlock() }
        return reads
    }

    private func countRead() {
        counter.lock()
        reads += 1
        counter.unlock()
    }

    /// What was hashed: the hash, and the stat of every file that went into it (to re-check later).
    public struct Snapshot: Sendable, Equatable {
        public var hash: String
        public var files: [FileTree.File]
        /// Each file's SHA-256, in the order of `files`.
        public var fileHashes: [String]
    }

    /// The content hash of a file, or of a folder: SHA-256 over its sorted relative paths and file hashes.
    public func snapshot(of path: String) throws -> Snapshot {
        guard let stat = FileStat.of(path) else { throw EngineError.missingInput(path: path) }
        if !stat.isDirectory {
            let hash = try fileHash(path, stat: stat)
            return Snapshot(hash: hash, files: [FileTree.File(relativePath: "", stat: stat)], fileHashes: [hash])
        }
        let files = try FileTree.files(under: path)
        let hashes = try hashFiles(root: path, files: files)
        var hasher = SHA256()
        for (file, hash) in zip(files, hashes) {
            hasher.update(data: Data(file.relativePath.utf8))
            hasher.update(data: [0])
            hasher.update(data: Data(hash.utf8))
            hasher.update(data: [10])
        }
        return Snapshot(hash: "tree-" + hasher.finalize().map { String(format: "%02x", $0) }.joined(), files: files, fileHashes: hashes)
    }

    /// The paths (relative to `path`) whose stat differs from `snapshot`, including added and removed files.
    public func changedFiles(at path: String, since snapshot: Snapshot) -> [String] {
        guard let stat = FileStat.of(path) else { return ["(removed)"] }
        if !stat.isDirectory { return snapshot.files == [FileTree.File(relativePath: "", stat: stat)] ? [] : [""] }
        guard let now = try? FileTree.files(under: path) else { return ["(unreadable)"] }
        if now == snapshot.files { return [] }
        let before = Dictionary(uniqueKeysWithValues: snapshot.files.map { ($0.relativePath, $0.stat) })
        let after = Dictionary(uniqueKeysWithValues: now.map { ($0.relativePath, $0.stat) })
        return Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }.sorted()
    }

    /// Tells the stat cache that the files of `snapshot` now live below `folder` (after a rename).
    public func remember(_ snapshot: Snapshot, movedTo folder: String) {
        for (file, hash) in zip(snapshot.files, snapshot.fileHashes) {
            cache.remember(hash, of: folder + "/" + file.relativePath, stat: file.stat)
        }
    }

    private func fileHash(_ path: String, stat: FileStat) throws -> String {
        if let known = cache.hash(of: path, stat: stat) { return known }
        let hash = try ContentHasher.sha256(file: path)
        countRead()
        cache.remember(hash, of: path, stat: stat)
        return hash
    }

    /// Hashes the files that the cache does not know, split over the cores.
    private func hashFiles(root: String, files: [FileTree.File]) throws -> [String] {
        var hashes = [String?](repeating: nil, count: files.count)
        var missing: [Int] = []
        for (i, file) in files.enumerated() {
            if let known = cache.hash(of: root + "/" + file.relativePath, stat: file.stat) {
                hashes[i] = known
            } else {
                missing.append(i)
            }
        }
        let read = ContentHasher.sha256(files: missing.map { root + "/" + files[$0].relativePath })
        for (index, hash) in zip(missing, read) {
            let path = root + "/" + files[index].relativePath
            guard let hash else { throw EngineError.unreadable(path: path) }
            countRead()
            cache.remember(hash, of: path, stat: files[index].stat)
            hashes[index] = hash
        }
        return hashes.map { $0! }
    }
}
