import Foundation
import PipeEngine
import PipeSpec

/// The `--json` summaries of `pipe run` and `pipe status`.
enum RunSummary {
    static func json(pipeline: String, results: [StageResult]) -> String {
        let stages: [JSONValue] = results.map { result in
            var object: [String: JSONValue] = [
                "name": .string(result.name), "status": .string(result.status.rawValue),
                "seconds": .number((result.seconds * 1000).rounded() / 1000),
                "key": result.key.map { .string($0) } ?? .null,
                "output": result.output.map { .string($0.path) } ?? .null,
            ]
            if !result.reasons.isEmpty { object["reasons"] = .array(result.reasons.map { .string($0) }) }
            return .object(object)
        }
        return JSONValue.object(["pipeline": .string(pipeline), "stages": .array(stages)]).canonicalText
    }
}
