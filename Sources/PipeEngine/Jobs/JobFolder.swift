import Foundation

/// The files of one submitted stage under the state folder (`jobs/<stage>-<id>/`): its ticket, batch script,
/// log, progress and outcome. Kept after a failure for its log; removed after a success.
public struct JobFolder: Sendable {
    public let url: URL

    public init(url: URL) { self.url = url }

    /// A new folder under `store`'s `jobs/`.
    static func create(in root: URL, stage: String) throws -> JobFolder {
        let safe = String(stage.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        let url = root.appendingPathComponent("jobs").appendingPathComponent("\(safe)-\(UUID().uuidString.prefix(8).lowercased())")
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw EngineError.unwritable(path: url.path)
        }
        return JobFolder(url: url)
    }

    /// The folder holding `ticket`.
    public init(ticket: String) { url = URL(fileURLWithPath: ticket).deletingLastPathComponent() }

    public var ticket: String { url.appendingPathComponent("ticket.json").path }
    public var script: String { url.appendingPathComponent("job.sh").path }
    public var log: String { url.appendingPathComponent("job.log").path }
    public var outcome: String { url.appendingPathComponent("outcome.json").path }
    public var progress: String { url.appendingPathComponent("progress.json").path }

    /// The last `count` lines of the job's log, for a failure message.
    func logTail(_ count: Int = 15) -> String {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return "(no log at \(log))" }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(count + 1)
        let tail = lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        return tail.isEmpty ? "(the log \(log) is empty)" : tail
    }
}
