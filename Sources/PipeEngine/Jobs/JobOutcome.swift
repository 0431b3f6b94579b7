import Foundation

/// How a job ended, as the job itself recorded it in its folder: what `pipe run` believes, rather than
/// the scheduler's view of the job (which can lag, or forget finished jobs).
public struct JobOutcome: Codable, Sendable {
    public enum Status: String, Codable, Sendable {
        /// The result is in the store under `meta.key`.
        case committed
        case failed
        /// Stopped by a signal: `scancel`, a time limit, a node going down.
        case terminated
    }

    public var status: Status
    public var meta: ArtifactMeta?
    public var message: String?
    public var notes: [String]
    public var host: String

    func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        try AtomicFile.write(try encoder.encode(self), to: path)
    }

    static func load(_ path: String) -> JobOutcome? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(JobOutcome.self, from: data)
    }
}
