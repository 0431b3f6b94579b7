import Foundation
import PipeSpec

/// One recorded `pipe run`: when, with which file, overrides and params, and what each stage did.
public struct RunEntry: Sendable, Equatable {
    /// How one stage ended in the run, with the headline numbers a stage kind chose to record.
    public struct Stage: Sendable, Equatable {
        public var name: String
        public var status: String
        public var key: String?
        public var seconds: Double
        public var reasons: [String]
        /// Flat numbers such as `roc_auc` and `roc_auc_ci` (as `[low, high]`); empty for most kinds.
        public var metrics: [String: JSONValue]

        public init(name: String, status: String, key: String?, seconds: Double, reasons: [String], metrics: [String: JSONValue] = [:]) {
            self.name = name
            self.status = status
            self.key = key
            self.seconds = seconds
            self.reasons = reasons
            self.metrics = metrics
        }

        public init(_ result: StageResult, metrics: [String: JSONValue] = [:]) {
            self.init(name: result.name, status: result.status.rawValue, key: result.key, seconds: result.seconds,
                      reasons: result.reasons, metrics: metrics)
        }
    }

    /// How the whole run ended.
    public enum Outcome: String, Sendable {
        case succeeded, failed, interrupted
    }

    public var id: String
    public var started: Date
    public var finished: Date
    public var pipeline: String
    /// The pipeline file, in the store's portable form (see `PipelineState.storedForm`).
    public var file: String
    public var fileSHA256: String
    /// The `--set` texts exactly as given, sweep values included.
    public var overrides: [String]
    /// The pipeline's `params` after the overrides.
    public var params: JSONValue
    public var outcome: Outcome
    /// Why the run stopped before any stage, when it did.
    public var error: String?
    public var stages: [Stage]

    public init(id: String = RunEntry.newID(), started: Date, finished: Date, pipeline: String, file: String, fileSHA256: String,
                overrides: [String], params: JSONValue, outcome: Outcome, error: String? = nil, stages: [Stage]) {
        self.id = id
        self.started = started
        self.finished = finished
        self.pipeline = pipeline
        self.file = file
        self.fileSHA256 = fileSHA256
        self.overrides = overrides
        self.params = params
        self.outcome = outcome
        self.error = error
        self.stages = stages
    }

    /// A fresh random id of 8 hexadecimal digits.
    public static func newID() -> String {
        String(format: "%08x", UInt32.random(in: .min ... .max))
    }

    public func stage(_ name: String) -> Stage? { stages.first { $0.name == name } }

    /// Stage names with how many ended each way, for one-line summaries: `ran` -> 2.
    public var statusCounts: [String: Int] {
        stages.reduce(into: [:]) { $0[$1.status, default: 0] += 1 }
    }

    // MARK: JSON

    private static var dates: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }

    public static func dateText(_ date: Date) -> String { dates.string(from: date) }

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(id), "started": .string(Self.dateText(started)), "finished": .string(Self.dateText(finished)),
            "pipeline": .string(pipeline), "file": .string(file), "file_sha256": .string(fileSHA256),
            "overrides": .array(overrides.map(JSONValue.string)), "params": params, "outcome": .string(outcome.rawValue),
            "stages": .array(stages.map { stage in
                var item: [String: JSONValue] = [
                    "name": .string(stage.name), "status": .string(stage.status), "key": stage.key.map(JSONValue.string) ?? .null,
                    "seconds": .number((stage.seconds * 1000).rounded() / 1000), "reasons": .array(stage.reasons.map(JSONValue.string)),
                ]
                if !stage.metrics.isEmpty { item["metrics"] = .object(stage.metrics) }
                return .object(item)
            }),
        ]
        if let error { object["error"] = .string(error) }
        return .object(object)
    }

    /// Reads an entry back; nil when `json` lacks a field this version needs.
    public init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue, let started = json["started"]?.stringValue.flatMap(Self.dates.date(from:)),
              let finished = json["finished"]?.stringValue.flatMap(Self.dates.date(from:)),
              let pipeline = json["pipeline"]?.stringValue, let file = json["file"]?.stringValue,
              let outcome = json["outcome"]?.stringValue.flatMap(Outcome.init(rawValue:)),
              let stages = json["stages"]?.arrayValue else { return nil }
        self.init(id: id, started: started, finished: finished, pipeline: pipeline, file: file,
                  fileSHA256: json["file_sha256"]?.stringValue ?? "", overrides: json["overrides"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                  params: json["params"] ?? .object([:]), outcome: outcome, error: json["error"]?.stringValue,
                  stages: stages.compactMap { item in
                      guard let name = item["name"]?.stringValue, let status = item["status"]?.stringValue else { return nil }
                      return Stage(name: name, status: status, key: item["key"]?.stringValue, seconds: item["seconds"]?.numberValue ?? 0,
                                   reasons: item["reasons"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                                   metrics: item["metrics"]?.objectValue ?? [:])
                  })
    }
}
