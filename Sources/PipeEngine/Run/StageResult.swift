import Foundation

/// How one stage ended in a run.
public struct StageResult: Sendable, Equatable {
    public enum Status: String, Sendable {
        case ran, cached, failed, skipped
        case wouldRun = "would-run"
    }

    public var name: String
    public var status: Status
    public var seconds: Double
    public var key: String?
    public var output: URL?
    /// Why it ran, would run, failed or was skipped.
    public var reasons: [String]
    /// How its stored result compared with its key before the run; nil when that was not decided (a stage
    /// skipped after a failure, say).
    public var freshness: Freshness?

    public init(name: String, status: Status, seconds: Double = 0, key: String? = nil, output: URL? = nil, reasons: [String] = [],
                freshness: Freshness? = nil) {
        self.name = name
        self.status = status
        self.seconds = seconds
        self.key = key
        self.output = output
        self.reasons = reasons
        self.freshness = freshness
    }
}

/// Receives what happens during a run, for progress lines and bars.
public protocol RunObserver: AnyObject, Sendable {
    func stageStarted(_ name: String, reasons: [String])
    func stageProgress(_ name: String, _ progress: StageProgress)
    func stageFinished(_ result: StageResult)
    func note(_ message: String)
}
