import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes files so that readers see either the old content or the new, never a torn mix.
public enum AtomicFile {
    /// Writes `data` to a temporary file beside `path`, then renames it over `path`; with `durable`, the data
    /// reaches the disk before the rename, so a crash cannot leave an empty file under the name.
    public static func write(_ data: Data, to path: String, durable: Bool = true) throws {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw EngineError.unwritable(path: temporary) }
        let written = data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += n
            }
            return true
        }
        let synced = !durable || fsync(fd) == 0
        close(fd)
        guard written, synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw EngineError.unwritable(path: path)
        }
    }
}
