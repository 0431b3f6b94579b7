import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A file's inode, hard-link count and size, as `lstat(2)` reports them: what tells whether removing one name frees space.
public struct FileLinks: Hashable, Sendable {
    public var inode: UInt64
    public var links: Int
    public var size: Int64

    /// Stats `path` without following a symbolic link; nil when nothing is there.
    public static func of(_ path: String) -> FileLinks? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return FileLinks(inode: UInt64(st.st_ino), links: Int(st.st_nlink), size: Int64(st.st_size))
    }
}
