import Foundation
import PipeSpec

/// The record of every `pipe run` in a store: one small JSON file per run in `runs/`, kept by `pipe gc`.
public struct RunHistory: Sendable {
    public let folder: URL

    public init(root: URL) {
        folder = root.appendingPathComponent("runs")
    }

    /// Writes `entry` as `runs/<UTC start>-<id>.json`, atomically.
    public func record(_ entry: RunEntry) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let stamp = Self.stampFormatter.string(from: entry.started)
        let path = folder.appendingPathComponent("\(stamp)-\(entry.id).json").path
        try AtomicFile.write(Data((entry.json.canonicalText + "\n").utf8), to: path)
    }

    /// Every readable entry, newest first; with `pipeline` and `file`, only that pipeline file's runs.
    public func entries(pipeline: String? = nil, file: String? = nil) -> [RunEntry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.compactMap { name -> RunEntry? in
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path),
                  let json = try? JSONValue.parse(data) else { return nil }
            return RunEntry(json: json)
        }
        .filter { (pipeline == nil || $0.pipeline == pipeline) && (file == nil || $0.file == file) }
        .sorted { ($0.started, $0.id) > ($1.started, $1.id) }
    }

    /// The entry `reference` names among `entries` (newest first): an id, a unique prefix of one, `HEAD` (the newest)
    /// or `HEAD~N` (the Nth before it).
    public static func resolve(_ reference: String, in entries: [RunEntry]) throws -> RunEntry {
        guard !entries.isEmpty else { throw EngineError.noRuns }
        if reference == "HEAD" || reference.hasPrefix("HEAD~") {
            let back = reference == "HEAD" ? 0 : Int(reference.dropFirst(5))
            guard let back, back >= 0 else { throw EngineError.unknownRun(reference, recent: entries.prefix(5).map(\.id)) }
            guard back < entries.count else {
                throw EngineError.unknownRun(reference, recent: entries.prefix(5).map(\.id))
            }
            return entries[back]
        }
        let matches = entries.filter { $0.id.hasPrefix(reference.lowercased()) }
        guard !reference.isEmpty, let first = matches.first else {
            throw EngineError.unknownRun(reference, recent: entries.prefix(5).map(\.id))
        }
        guard matches.count == 1 else { throw EngineError.ambiguousRun(reference, matches: matches.map(\.id)) }
        return first
    }

    private static var stampFormatter: DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss.SSS'Z'"
        return formatter
    }
}
