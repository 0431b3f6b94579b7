import Datasets
import Foundation
import PipeEngine
import PipeSpec

/// The `report` kind: one self-contained `index.html` (and `report.json`) from the evaluate stages in `needs`;
/// with several (a matrix over architectures) it adds a comparison table and overlaid ROC curves.
public struct ReportStage: StageKind {
    public let name = "report"
    public let version = 1

    public init() {}

    public func run(_ stage: StageSpec, plan: StagePlan, context: StageContext) throws {
        let evaluations = context.inputs.filter { FileManager.default.fileExists(atPath: $0.value.appendingPathComponent("metrics.json").path) }
            .sorted { $0.key < $1.key }
        guard !evaluations.isEmpty else {
            throw StageError.misconfigured(stage: stage.name, reason: "none of its `needs` is an evaluate stage (a folder with metrics.json)")
        }
        var content = ReportContent(title: stage.with["title"]?.stringValue ?? "\(context.pipeline.name): results")
        var summary: [String: JSONValue] = [:]
        for (upstream, folder) in evaluations {
            let metrics = try JSONValue.parse(Data(contentsOf: folder.appendingPathComponent("metrics.json")))
            summary[upstream] = metrics
            content.models.append(try model(named: upstream, folder: folder, metrics: metrics))
            if content.data.counts.isEmpty { content.data = dataSummary(folder) }
        }
        content.provenance = [("pipeline", context.pipeline.name), ("seed", String(context.pipeline.seed)),
                              ("pipe", PipeVersion.current)] + evaluations.map { ("evaluate stage", "\($0.key): \($0.value.deletingLastPathComponent().lastPathComponent)") }
        do {
            try Data(ReportPage.render(content).utf8).write(to: context.output.appendingPathComponent("index.html"))
            try Data(JSONValue.object(["pipeline": .string(context.pipeline.name), "models": .object(summary)]).canonicalText.utf8)
                .write(to: context.output.appendingPathComponent("report.json"))
        } catch {
            throw StageError.cannotWrite(context.output.path)
        }
    }

    private func model(named name: String, folder: URL, metrics: JSONValue) throws -> ReportContent.Model {
        var model = ReportContent.Model(name: name)
        let order = ["accuracy", "balanced_accuracy", "roc_auc", "pr_auc", "precision", "recall", "specificity", "f1", "ece"]
        model.metrics = order.compactMap { key in
            guard let value = metrics[key]?.numberValue else { return nil }
            let ci = metrics[key + "_ci"]?.arrayValue?.compactMap(\.numberValue)
            return (key, value, ci.flatMap { $0.count == 2 ? $0[0]...$0[1] : nil })
        }
        model.threshold = metrics["threshold"]?.numberValue ?? 0.5
        if let rate = metrics["patient_level"]?["recognition_rate"]?.numberValue, let n = metrics["patient_level"]?["n_patients"]?.intValue {
            model.patientRate = (rate, n)
        }
        let predictions = try CSVTable(contentsOf: folder.appendingPathComponent("predictions.csv"))
        for row in predictions.rows {
            model.labels.append(predictions.value(row, "label") == "malignant" ? 1 : 0)
            model.probabilities.append(Double(predictions.value(row, "prob_malignant")) ?? 0)
        }
        if let history = try? CSVTable(contentsOf: folder.appendingPathComponent("history.csv")) {
            model.history = history.rows.map { row in
                func v(_ column: String) -> Double { Double(history.value(row, column)) ?? .nan }
                return ReportContent.Epoch(epoch: Int(history.value(row, "epoch")) ?? 0, trainLoss: v("train_loss"), valLoss: v("val_loss"),
                                           trainAccuracy: v("train_accuracy"), valAccuracy: v("val_accuracy"),
                                           trainAUC: v("train_auc"), valAUC: v("val_auc"), learningRate: v("lr"), seconds: v("seconds"))
            }
        }
        return model
    }

    private func dataSummary(_ folder: URL) -> ReportContent.DataSummary {
        var data = ReportContent.DataSummary()
        guard let split = try? JSONValue.parse(Data(contentsOf: folder.appendingPathComponent("split.json"))) else { return data }
        data.counts = (split["per_class"]?.objectValue ?? [:]).mapValues { ($0.objectValue ?? [:]).compactMapValues(\.intValue) }
        data.patients = (split["patients"]?.objectValue ?? [:]).compactMapValues(\.intValue)
        data.patientsShared = split["patients_in_several_splits"]?.arrayValue?.compactMap(\.stringValue)
        return data
    }
}

/// The version of pipe, for provenance records and `pipe --version`.
public enum PipeVersion {
    public static let current = "0.1.0"
}
