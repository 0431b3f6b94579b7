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

    private func load(_ data: Data) {
        for line in data.split(separator: UInt8(ascii: "\n")) {
            let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 5, omittingEmptySubsequences: false)
            guard fields.count == 6,
                  let inode = UInt64(String(decoding: fields[0], as: UTF8.self)),
                  let size = Int64(String(decoding: fields[1], as: UTF8.self)),
                  let mtime = Int64(String(decoding: fields[2], as: UTF8.self)),
                  let ctime = Int64(String(decoding: fields[3], as: UTF8.self)) else { continue }
            let stat = FileStat(size: size, mtimeNanoseconds: mtime, ctimeNanoseconds: ctime, inode: inode, isDirectory: false)
            entries[String(decoding: fields[5], as: UTF8.self)] = Entry(stat: stat, hash: String(decoding: fields[4], as: UTF8.self))
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
        for (path, entry) in entries where FileManager.default.fileExists(atPath: path) {
            let s = entry.stat
            text += "\(s.inode) \(s.size) \(s.mtimeNanoseconds) \(s.ctimeNanoseconds) \(entry.hash) \(path)\n"
        }
        try AtomicFile.write(Data(text.utf8), to: path)
        dirty = false
    }
}
