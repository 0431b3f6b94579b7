import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The space left on the filesystem holding a path, for failures a full disk may explain.
enum FreeSpace {
    /// Bytes an unprivileged writer can still use at `path`; nil when the filesystem cannot be asked.
    static func bytes(at path: String) -> Int? {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return nil }
        return Int(stats.f_bavail) * Int(stats.f_frsize)
    }

    /// A clause for a failure message when `path`'s filesystem is (nearly) full, else "".
    static func note(for path: String) -> String {
        guard let free = bytes(at: path), free < 1 << 20 else { return "" }
        return "; the filesystem of \(path) has only \(free / 1024) KB free, which may be why: free space and run again"
    }
}
