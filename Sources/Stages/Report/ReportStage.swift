import Datasets
import Foundation
import PipeEngine
import PipeSpec

/// The `report` kind: one self-contained `index.html` (and `report.json`) from the evaluate stages in `needs`;
/// with several (a matrix over architectures) it adds a comparison table and overlaid ROC curves.
public struct ReportStage: TypedStageKind {
    public let name = "report"
    public let version = 2

    public init() {}

    public func run(_ stage: StageSpec, parameters p: ReportParameters, plan: StagePlan, context: StageContext) throws {
        let evaluations = context.inputs.filter { FileManager.default.fileExists(atPath: $0.value.appendingPathComponent("metrics.json").path) }
            .sorted { $0.key < $1.key }
        guard !evaluations.isEmpty else {
            throw StageError.misconfigured(stage: stage.name, reason: "none of its `needs` is an evaluate stage (a folder with metrics.json)")
        }
        var content = ReportContent(title: p.title ?? "\(context.pipeline.name): results")
        var summary: [String: JSONValue] = [:]
        for (upstream, folder) in evaluations {
            let metrics = try JSONValue.parse(Data(contentsOf: folder.appendingPathComponent("metrics.json")))
            summary[upstream] = metrics
            content.models.append(try model(named: upstream, folder: folder, metrics: metrics))
            if content.data.counts.isEmpty { content.data = dataSummary(folder) }
        }
        content.provenance = provenance(context, evaluations: evaluations)
        do {
            try Data(ReportPage.render(content).utf8).write(to: context.output.appendingPathComponent("index.html"))
            try Data(JSONValue.object(["pipeline": .string(context.pipeline.name), "models": .object(summary)]).canonicalText.utf8)
                .write(to: context.output.appendingPathComponent("report.json"))
        } catch {
            throw StageError.cannotWrite(context.output.path)
        }
    }

    /// Pipeline, file hash, seed, pipe version and git commit, the weights, and each evaluated stage's key and time.
    private func provenance(_ context: StageContext, evaluations: [(key: String, value: URL)]) -> [(String, String)] {
        var rows: [(String, String)] = [("pipeline", context.pipeline.name)]
        if let file = context.pipeline.file { rows.append(("pipeline file", "\(file.path) (sha256 \(context.pipeline.fileHash ?? "?"))")) }
        rows += [("seed", String(context.pipeline.seed)), ("pipe", PipeVersion.current)]
        if let commit = Self.gitCommit(in: context.pipeline.directory) { rows.append(("git commit", commit)) }
        for (name, folder) in evaluations {
            if let weights = try? JSONValue.parse(Data(contentsOf: folder.appendingPathComponent("import.json"))) {
                let source = [weights["arch"]?.stringValue, weights["source"]?.stringValue, weights["initialisation"]?.stringValue,
                              weights["sha256"]?.stringValue.map { "sha256 \($0)" }].compactMap { $0 }
                rows.append(("weights (\(name))", source.joined(separator: ", ")))
            }
            if let meta = try? JSONValue.parse(Data(contentsOf: folder.deletingLastPathComponent().appendingPathComponent("meta.json"))) {
                rows.append(("stage \(name)", "key \(meta["key"]?.stringValue ?? "?"), \(String(format: "%.2f", meta["seconds"]?.numberValue ?? 0)) s"))
            }
        }
        return rows
    }

    private static func gitCommit(in folder: URL) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", folder.path, "rev-parse", "--short", "HEAD"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        process.waitUntilExit()
        return process.terminationStatus == 0 && !text.isEmpty ? text : nil
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
        if let data = FileManager.default.contents(atPath: folder.appendingPathComponent(HeatmapGallery.indexName).path) {
            for entry in try JSONValue.parse(data).arrayValue ?? [] {
                guard let file = entry["file"]?.stringValue,
                      let png = FileManager.default.contents(atPath: folder.appendingPathComponent(file).path) else { continue }
                let name = URL(fileURLWithPath: entry["path"]?.stringValue ?? "").lastPathComponent
                let caption = "\(entry["kind"]?.stringValue ?? ""): \(entry["label"]?.stringValue ?? "") called "
                    + "\(entry["predicted"]?.stringValue ?? "") (p = \(String(format: "%.2f", entry["probability"]?.numberValue ?? 0))), \(name)"
                model.heatmaps.append((caption, png.base64EncodedString()))
            }
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
