import Foundation

/// Remembers which files made up each hashed input folder, so `pipe status` can name the files that changed.
///
/// One file per tree hash under `trees/`, written once (content-addressed): `file-hash<TAB>relative path` lines.
struct TreeListings {
    let folder: URL

    init(root: URL) { folder = root.appendingPathComponent("trees") }

    func save(_ snapshot: TreeHasher.Snapshot) {
        guard snapshot.hash.hasPrefix("tree-") else { return }
        let path = folder.appendingPathComponent(snapshot.hash).path
        guard !FileManager.default.fileExists(atPath: path) else { return }
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let text = zip(snapshot.files, snapshot.fileHashes).map { "\($1)\t\($0.relativePath)\n" }.joined()
        try? AtomicFile.write(Data(text.utf8), to: path)
    }

    /// The folder hashes whose listings are kept.
    func hashes() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] }

    func remove(_ hash: String) { try? FileManager.default.removeItem(at: folder.appendingPathComponent(hash)) }

    /// Relative path to file hash for a folder hash seen before.
    func files(of hash: String) -> [String: String]? {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(hash).path) else { return nil }
        var files: [String: String] = [:]
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            while start < bytes.count {
                var tab = start
                while tab < bytes.count, bytes[tab] != 9, bytes[tab] != 10 { tab += 1 }
                var end = tab
                while end < bytes.count, bytes[end] != 10 { end += 1 }
                if tab < end {
                    files[String(decoding: UnsafeBufferPointer(rebasing: bytes[(tab + 1)..<end]), as: UTF8.self)] =
                        String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<tab]), as: UTF8.self)
                }
                start = end + 1
            }
        }
        return files
    }

    /// `a.png changed, c.png added, b.png removed`, at most `limit` names and a count of the rest.
    static func describe(from old: [String: String], to new: TreeHasher.Snapshot, limit: Int = 3) -> String {
        let current = Dictionary(uniqueKeysWithValues: zip(new.files.map(\.relativePath), new.fileHashes))
        var changes: [String] = []
        for path in Set(old.keys).union(current.keys).sorted() {
            switch (old[path], current[path]) {
            case (nil, _?): changes.append("\(path) added")
            case (_?, nil): changes.append("\(path) removed")
            case let (a?, b?) where a != b: changes.append("\(path) changed")
            default: break
            }
        }
        let shown = changes.prefix(limit).joined(separator: ", ")
        return changes.count > limit ? "\(shown) and \(changes.count - limit) more" : shown
    }
}
