import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One copy of each large output file, shared between results by hard links: `blobs/<sha256>`.
///
/// A result's files stay plain files (stages read them as before); a pooled file is one more name for the blob's
/// inode. Every step is a single `link` or `rename`, so a crash leaves each file either as written or linked to
/// identical content, and at worst a blob that no result names (link count 1), which `sweep` removes.
public struct BlobPool: Sendable {
    public let folder: URL
    /// Files smaller than this are not worth pooling (a link saves less than the metadata costs).
    public let threshold: Int64

    private static let adoption = NSLock()

    public init(folder: URL, threshold: Int64) {
        self.folder = folder
        self.threshold = threshold
    }

    /// The blob that holds content with SHA-256 `hash`.
    public func blob(_ hash: String) -> URL { folder.appendingPathComponent(hash) }

    /// Makes the sealed file at `path`, whose content hash is `hash`, share the pool's copy: a hard link to the blob
    /// when there is one with that content, else it becomes the blob. `contentHash` re-hashes a blob before reuse, so
    /// a blob modified in place is replaced, never spread. Returns whether the file is now pooled; false (the file
    /// left as it was) when the filesystem refuses hard links or the pool cannot be written.
    @discardableResult
    public func adopt(_ path: String, hash: String, contentHash: (String) -> String?) -> Bool {
        guard hash.count == 64, hash.allSatisfy(\.isHexDigit) else { return false }
        // Stages of one run commit on several threads; two of them replacing one damaged blob at once would each
        // keep their own copy. (Across processes that race is harmless: both copies are right, just not shared.)
        Self.adoption.lock()
        defer { Self.adoption.unlock() }
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let target = blob(hash).path
        for _ in 0..<3 {
            if link(path, target) == 0 { return true }
            guard errno == EEXIST else { return false }
            guard let existing = FileLinks.of(target), let mine = FileLinks.of(path) else { continue }
            if existing.inode == mine.inode { return true }
            guard existing.size == mine.size, contentHash(target) == hash else {
                // A damaged blob: this file takes its place in the pool; results linked to the old inode keep
                // it and fail their own hash check.
                return replace(target, with: path)
            }
            if replace(path, with: target) { return true }
            if errno != ENOENT { return false }
            // gc removed the blob meanwhile: try again to make this file the blob.
        }
        return false
    }

    /// Points the name `path` at the inode of `source` by a link beside it and one `rename` over it.
    private func replace(_ path: String, with source: String) -> Bool {
        let temporary = path + ".pipe-link-\(getpid())-\(UUID().uuidString.prefix(8))"
        guard link(source, temporary) == 0 else { return false }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            return false
        }
        return true
    }

    /// The blobs and their inodes.
    public func blobs() -> [(hash: String, links: FileLinks)] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted().compactMap { name in
            guard name.count == 64, let links = FileLinks.of(blob(name).path) else { return nil }
            return (name, links)
        }
    }

    /// Removes the blobs no result links to any more (link count 1); returns the bytes freed.
    @discardableResult
    public func sweep() -> Int64 {
        var freed: Int64 = 0
        for (hash, links) in blobs() where links.links <= 1 {
            if unlink(blob(hash).path) == 0 { freed += links.size }
        }
        return freed
    }
}
