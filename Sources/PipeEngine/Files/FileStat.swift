import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The parts of `stat(2)` that tell whether a file may have changed since it was hashed.
public struct FileStat: Hashable, Sendable {
    public var size: Int64
    public var mtimeNanoseconds: Int64
    public var ctimeNanoseconds: Int64
    public var inode: UInt64
    public var isDirectory: Bool

    /// Stats `path`, following symbolic links; nil when nothing is there.
    public static func of(_ path: String) -> FileStat? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return FileStat(
            size: Int64(st.st_size),
            mtimeNanoseconds: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec),
            ctimeNanoseconds: Int64(st.st_ctim.tv_sec) * 1_000_000_000 + Int64(st.st_ctim.tv_nsec),
            inode: UInt64(st.st_ino),
            isDirectory: (st.st_mode & S_IFMT) == S_IFDIR)
    }
}
