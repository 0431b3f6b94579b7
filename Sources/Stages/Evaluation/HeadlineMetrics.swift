import Foundation
import PipeEngine
import PipeSpec

/// The few numbers of an evaluate result that the run history records: accuracy, balanced accuracy, ROC AUC and the
/// patient-level rate, each with its bootstrap interval (`<name>_ci`) when `metrics.json` has one.
public enum HeadlineMetrics {
    /// The names in display order; a multi-class result's macro ROC AUC is recorded as `roc_auc`.
    public static let names = ["accuracy", "balanced_accuracy", "roc_auc", "patient_rate"]

    /// The headline numbers in the `metrics.json` of the evaluate output `folder`; empty when it has none.
    public static func read(folder: URL) -> [String: JSONValue] {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent("metrics.json").path),
              let metrics = try? JSONValue.parse(data) else { return [:] }
        return extract(from: metrics)
    }

    /// The headline numbers of a parsed `metrics.json`.
    public static func extract(from metrics: JSONValue) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        let sources = ["accuracy": "accuracy", "balanced_accuracy": "balanced_accuracy", "roc_auc": "roc_auc", "roc_auc_macro": "roc_auc"]
        for (source, name) in sources {
            guard let value = metrics[source], value.numberValue != nil else { continue }
            out[name] = value
            if let interval = metrics[source + "_ci"], interval.arrayValue?.count == 2 { out[name + "_ci"] = interval }
        }
        if let rate = metrics["patient_level"]?["recognition_rate"], rate.numberValue != nil { out["patient_rate"] = rate }
        return out
    }

    /// Per evaluate stage of `spec` that has a result in `results`, its headline numbers.
    public static func of(_ spec: PipelineSpec, results: [StageResult]) -> [String: [String: JSONValue]] {
        let evaluates = Set(spec.stages.filter { $0.kind == EvaluateStage().name }.map(\.name))
        var out: [String: [String: JSONValue]] = [:]
        for result in results where evaluates.contains(result.name) && (result.status == .ran || result.status == .cached) {
            guard let folder = result.output else { continue }
            let metrics = read(folder: folder)
            if !metrics.isEmpty { out[result.name] = metrics }
        }
        return out
    }
}
