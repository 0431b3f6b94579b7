import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A folder of values derived from content, shared by every run, stage and pipeline of a store:
/// `shelves/<name>/<entry>`, where the shelf's name stands for how the values were made and an entry's name for
/// the content they were made from.
///
/// An entry appears by one `rename` of a complete file, so a crash leaves it whole or absent, plus at most a
/// `.tmp-<pid>-…` file that `removeStrays` (run by gc) deletes. Results record the shelves their stage used, and
/// gc keeps exactly the shelves that a kept result names.
public struct CacheShelf: Sendable {
    /// Why an entry could not be written.
    public enum WriteFailure: Error, Equatable {
        /// The filesystem is full (or the file too large for it).
        case noSpace(path: String)
        case failed(path: String, reason: String)
    }

    public let name: String
    public let folder: URL

    public init(name: String, in shelves: URL) {
        self.name = name
        folder = shelves.appendingPathComponent(name)
    }

    /// The file of entry `entry` (which may not exist).
    public func url(_ entry: String) -> URL { folder.appendingPathComponent(entry) }

    /// Writes `parts` one after another as entry `entry`. `reserve(descriptor, bytes)` first allocates the file's
    /// blocks and returns 0 or an errno, so a full disk fails here rather than in the middle of a write.
    public func write(_ entry: String, parts: [UnsafeRawBufferPointer],
                      reserve: (Int32, Int) -> Int32 = { posix_fallocate($0, 0, off_t($1)) }) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let temporary = folder.appendingPathComponent(".tmp-\(getpid())-\(UUID().uuidString.prefix(8))").path
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure(temporary, errno) }
        var failed = reserve(descriptor, parts.reduce(0) { $0 + $1.count })
        // Filesystems without fallocate still get the plain writes.
        if failed == EOPNOTSUPP || failed == EINVAL { failed = 0 }
        for part in parts where failed == 0 {
            var offset = 0
            while offset < part.count {
                let written = Glibc.write(descriptor, part.baseAddress! + offset, part.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failed = errno
                    break
                }
                offset += written
            }
        }
        if failed != 0 { close(descriptor) } else if close(descriptor) != 0 { failed = errno }
        if failed == 0, rename(temporary, url(entry).path) != 0 { failed = errno }
        if failed != 0 {
            unlink(temporary)
            throw failure(url(entry).path, failed)
        }
    }

    private func failure(_ path: String, _ code: Int32) -> WriteFailure {
        code == ENOSPC || code == EFBIG || code == EDQUOT
            ? .noSpace(path: path) : .failed(path: path, reason: String(cString: strerror(code)))
    }

    /// Deletes the temporary files of writers that are no longer running; returns the bytes freed.
    @discardableResult
    public func removeStrays() -> Int64 {
        var freed: Int64 = 0
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where name.hasPrefix(".tmp-") {
            let pid = name.split(separator: "-").dropFirst().first.flatMap { Int32($0) }
            if let pid, pid == getpid() || kill(pid, 0) == 0 { continue }
            let path = url(name).path
            freed += FileStat.of(path).map(\.size) ?? 0
            unlink(path)
        }
        return freed
    }

    /// The bytes the shelf's files take.
    public var bytes: Int64 {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .reduce(0) { $0 + (FileStat.of(url($1).path).map(\.size) ?? 0) }
    }
}
