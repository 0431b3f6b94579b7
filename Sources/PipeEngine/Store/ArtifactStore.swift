import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The content-addressed store of stage outputs under a state folder (`.pipe/` by default).
///
/// `objects/<key>/` holds a committed result: `out/` (the output), `meta.json` and `work/` (logs).
/// A stage runs in `tmp/<stage>-<pid>-<n>/`, which becomes `objects/<key>` by one `rename` only after
/// it succeeded, so an interrupted or failed stage never leaves an entry a later run would use.
public final class ArtifactStore: @unchecked Sendable {
    public let root: URL
    public var objects: URL { root.appendingPathComponent("objects") }
    public var temporary: URL { root.appendingPathComponent("tmp") }

    /// Opens the store at `root`; with `create`, makes its folders when missing.
    public init(root: URL, create: Bool = true) throws {
        self.root = root
        for folder in [root, objects, temporary] where create {
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw EngineError.unwritable(path: folder.path)
            }
        }
    }

    public func entry(_ key: String) -> URL { objects.appendingPathComponent(key) }

    public func output(_ key: String) -> URL { entry(key).appendingPathComponent("out") }

    /// Where a stage with this key keeps resume state between runs (`resume/<key>`).
    public func resumeFolder(_ key: String) -> URL { resume.appendingPathComponent(key) }

    private var resume: URL { root.appendingPathComponent("resume") }

    /// Deletes the resume state of every interrupted stage.
    public func removeResumeState() { try? FileManager.default.removeItem(at: resume) }

    /// The meta record of a committed entry, nil when absent or unreadable.
    public func meta(_ key: String) -> ArtifactMeta? {
        guard let data = FileManager.default.contents(atPath: entry(key).appendingPathComponent("meta.json").path) else { return nil }
        return try? Self.decoder.decode(ArtifactMeta.self, from: data)
    }

    /// A fresh folder to run `stage` in, with `out/` and `work/` inside; owned by this process.
    public func makeRunFolder(stage: String) throws -> URL {
        let safe = String(stage.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        let folder = temporary.appendingPathComponent("\(safe)-\(getpid())-\(UUID().uuidString.prefix(8))")
        do {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("out"), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("work"), withIntermediateDirectories: true)
            try Data("\(getpid())\n".utf8).write(to: folder.appendingPathComponent("owner"))
        } catch {
            throw EngineError.unwritable(path: folder.path)
        }
        return folder
    }

    /// Makes the run folder the committed entry for `meta.key`: files become read-only, `meta.json` is
    /// written, then the folder is renamed into `objects/`.
    public func commit(runFolder: URL, meta: ArtifactMeta) throws -> URL {
        let data = try Self.encoder.encode(meta)
        try AtomicFile.write(data, to: runFolder.appendingPathComponent("meta.json").path)
        try? FileManager.default.removeItem(at: runFolder.appendingPathComponent("owner"))
        let target = entry(meta.key)
        if FileManager.default.fileExists(atPath: target.path) { remove(meta.key) }
        guard rename(runFolder.path, target.path) == 0 else { throw EngineError.unwritable(path: target.path) }
        return target
    }

    /// Marks every file under `folder` read-only, so a result is not edited by accident.
    public func seal(_ folder: URL) {
        guard let files = try? FileTree.files(under: folder.path) else { return }
        for file in files { chmod(folder.path + "/" + file.relativePath, 0o444) }
    }

    /// Deletes a committed entry: first renamed away, so a crash never leaves half an entry under its key.
    public func remove(_ key: String) {
        let trash = temporary.appendingPathComponent("trash-\(key)-\(UUID().uuidString.prefix(8))")
        if rename(entry(key).path, trash.path) == 0 { try? FileManager.default.removeItem(at: trash) }
    }

    /// Removes run folders left by processes that no longer exist; returns their names.
    public func removeAbandonedRunFolders() -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: temporary.path) else { return [] }
        var removed: [String] = []
        for name in names {
            let folder = temporary.appendingPathComponent(name)
            let owner = (try? String(contentsOf: folder.appendingPathComponent("owner"), encoding: .utf8))
                .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if let owner, owner == getpid() || kill(owner, 0) == 0 { continue }
            try? FileManager.default.removeItem(at: folder)
            removed.append(name)
        }
        return removed
    }

    /// The keys of every committed entry.
    public func keys() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: objects.path))?.filter { $0.count == 64 } ?? []
    }

    /// Bytes used by a committed entry.
    public func size(of key: String) -> Int64 {
        ((try? FileTree.files(under: entry(key).path)) ?? []).reduce(0) { $0 + $1.stat.size }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
