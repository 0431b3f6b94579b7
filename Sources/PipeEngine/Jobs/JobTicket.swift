import Foundation

/// What a batch job needs to run exactly one stage of a run: written by `pipe run`, read by `pipe stage-job`.
///
/// The job reloads the pipeline file (with the same `--set` overrides) and recomputes the stage's key from it;
/// it refuses to run when the key differs, so a file edited while the job waited cannot store a result under
/// the wrong key.
public struct JobTicket: Codable, Sendable {
    public struct Upstream: Codable, Sendable {
        public var output: String
        public var meta: ArtifactMeta
    }

    public var pipelineFile: String
    public var pipelineFileHash: String?
    public var overrides: [String]
    public var stage: String
    public var key: String
    public var parts: KeyParts
    public var reasons: [String]
    public var store: String
    /// The run folder the job writes into; `pipe run` made it.
    public var runFolder: String
    public var upstream: [String: Upstream]
    public var ranks: Int
    /// The records of every stage the job's stage depends on, however far up; nil in tickets of older pipes.
    public var ancestors: [String: ArtifactMeta]? = nil

    public static func load(_ path: String) throws -> JobTicket {
        guard let data = FileManager.default.contents(atPath: path) else { throw EngineError.unreadable(path: path) }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(JobTicket.self, from: data)
        } catch {
            throw EngineError.executorUnavailable("\(path) is not a job ticket this pipe can read (\(error)); run `pipe run` again with the same pipe on every node")
        }
    }

    func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        try AtomicFile.write(try encoder.encode(self), to: path)
    }
}
