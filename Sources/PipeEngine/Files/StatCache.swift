import Foundation

/// Remembers the content hash of each file by its stat, so unchanged files are never read twice.
///
/// Stored as one line per file, `inode size mtime ctime hash path`, and rewritten atomically. A file
/// modified within `racyWindow` of being hashed is not remembered: a second change in the same clock
/// tick would leave its stat unchanged.
public final class StatCache: @unchecked Sendable {
    struct Entry: Equatable {
        var stat: FileStat
        var hash: String
    }

    private let path: String
    private var entries: [String: Entry] = [:]
    private var dirty = false
    private let lock = NSLock()
    static let racyWindow: Int64 = 200_000_000

    /// Opens the cache file at `path`, or starts empty when it is missing or unreadable.
    public init(path: String) {
        self.path = path
        if let data = FileManager.default.contents(atPath: path) { load(data) }
    }

    /// One pass over the bytes: no per-line `Data` or `String` except the hash and path kept.
    private func load(_ data: Data) {
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var i = 0
            func number() -> Int64? {
                var value: Int64 = 0
                var digits = 0
                while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
                    value = value &* 10 &+ Int64(bytes[i] - 48)
                    i += 1
                    digits += 1
                }
                guard digits > 0, i < bytes.count, bytes[i] == 32 else { return nil }
                i += 1
                return value
            }
            while i < bytes.count {
                let lineStart = i
                if let inode = number(), let size = number(), let mtime = number(), let ctime = number(),
                   let space = (i..<bytes.count).first(where: { bytes[$0] == 32 || bytes[$0] == 10 }), bytes[space] == 32 {
                    let hash = String(decoding: UnsafeBufferPointer(rebasing: bytes[i..<space]), as: UTF8.self)
                    var end = space + 1
                    while end < bytes.count, bytes[end] != 10 { end += 1 }
                    let path = String(decoding: UnsafeBufferPointer(rebasing: bytes[(space + 1)..<end]), as: UTF8.self)
                    let stat = FileStat(size: size, mtimeNanoseconds: mtime, ctimeNanoseconds: ctime, inode: UInt64(inode), isDirectory: false)
                    entries[path] = Entry(stat: stat, hash: hash)
                    i = end + 1
                } else {
                    i = lineStart
                    while i < bytes.count, bytes[i] != 10 { i += 1 }
                    i += 1
                }
            }
        }
    }

    /// The remembered hash of `path` if its stat is still `stat`.
    public func hash(of path: String, stat: FileStat) -> String? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = entries[path], entry.stat == stat else { return nil }
        return entry.hash
    }

    /// Remembers `hash` for `path` at `stat`, unless the file changed too recently to trust its stat.
    public func remember(_ hash: String, of path: String, stat: FileStat) {
        let now = Int64(Date().timeIntervalSince1970 * 1e9)
        guard now - max(stat.mtimeNanoseconds, stat.ctimeNanoseconds) > Self.racyWindow,
              !path.contains("\n") else { return }
        lock.lock()
        defer { lock.unlock() }
        let entry = Entry(stat: stat, hash: hash)
        if entries[path] != entry {
            entries[path] = entry
            dirty = true
        }
    }

    /// Forgets the files that no longer exist (`pipe gc` calls this).
    public func forgetMissing() {
        lock.lock()
        defer { lock.unlock() }
        let before = entries.count
        entries = entries.filter { FileManager.default.fileExists(atPath: $0.key) }
        if entries.count != before { dirty = true }
    }

    /// Forgets every path below `folder` (after removing a store entry, say).
    public func forget(under folder: String) {
        lock.lock()
        defer { lock.unlock() }
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        let before = entries.count
        entries = entries.filter { !$0.key.hasPrefix(prefix) }
        if entries.count != before { dirty = true }
    }

    /// Writes the cache if anything changed (write to a temporary file, then rename).
    public func save() throws {
        lock.lock()
        defer { lock.unlock() }
        guard dirty else { return }
        var text = ""
        text.reserveCapacity(entries.count * 120)
        for (path, entry) in entries {
            let s = entry.stat
            text += "\(s.inode) \(s.size) \(s.mtimeNanoseconds) \(s.ctimeNanoseconds) \(entry.hash) \(path)\n"
        }
        // Only a cache: losing it to a crash costs re-hashing, so it is not flushed to disk.
        try AtomicFile.write(Data(text.utf8), to: path, durable: false)
        dirty = false
    }
}
