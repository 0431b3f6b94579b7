import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on a state folder, so two `pipe run`s never write it at once.
///
/// It is an `flock` on `lock`, which the kernel drops when the holder dies, even by `kill -9`; the
/// holder's PID is written in the file so a waiting run can say whom it waits for, and a new holder
/// can tell that the previous one ended without releasing it.
public final class WorkspaceLock: @unchecked Sendable {
    private let fd: Int32
    public let path: String
    /// The PID recorded by a previous holder that ended without releasing the lock, if any.
    public private(set) var tookOverFrom: Int32?

    /// Takes the lock at `path`; when another process holds it, waits (calling `onWait` once with its PID)
    /// or, with `wait: false`, throws `lockHeld`.
    public init(path: String, wait: Bool, onWait: (Int32?) -> Void = { _ in }) throws {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw EngineError.unwritable(path: path) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = Self.recordedPID(fd)
            guard wait else {
                close(fd)
                throw EngineError.lockHeld(path: path, pid: holder)
            }
            onWait(holder)
            while flock(fd, LOCK_EX) != 0 {
                if errno != EINTR {
                    close(fd)
                    throw EngineError.unwritable(path: path)
                }
            }
        }
        if let previous = Self.recordedPID(fd), previous != getpid(), kill(previous, 0) != 0, errno == ESRCH {
            tookOverFrom = previous
        }
        ftruncate(fd, 0)
        let text = "\(getpid())\n"
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    /// Releases the lock (also released when the process exits).
    public func release() {
        ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
    }

    private static func recordedPID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = pread(fd, &buffer, 31, 0)
        guard n > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
