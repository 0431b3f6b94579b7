import Datasets
import Foundation
import PipeBase
import PipeEngine
import PipeSpec

/// The `report` kind: one self-contained `index.html` (and `report.json`) from the evaluate stages in `needs`;
/// with several (a matrix over architectures) it adds a comparison table and overlaid ROC curves.
///
/// The data section reads the records evaluate carries along (`split.json`, `ingest.json`, `balance.json`) and
/// says "not recorded" for any that is missing. `gradcam_images` caps how many of evaluate's overlays are shown.
public struct ReportStage: TypedStageKind {
    public let name = "report"
    public let version = 3
    public let produces = ArtifactKind.report

    public init() {}

    public func consumes(_ stage: StageSpec) -> [ArtifactNeed] { [.oneOrMore(.evaluation)] }

    public func run(_ stage: StageSpec, parameters p: ReportParameters, plan: StagePlan, context: StageContext) throws {
        let evaluations = context.inputs(.evaluation).map { (key: $0.stage, value: $0.folder) }
        guard !evaluations.isEmpty else {
            throw EngineError.missingArtifact(stage: stage.name, wanted: ArtifactKind.evaluation.phrase, needs: context.inputs.keys.sorted())
        }
        var content = ReportContent(title: p.title ?? "\(context.pipeline.name): results")
        var summary: [String: JSONValue] = [:]
        for (upstream, folder) in evaluations {
            let metrics = try JSONValue.parse(Data(contentsOf: folder.appendingPathComponent("metrics.json")))
            summary[upstream] = metrics
            content.models.append(try model(named: upstream, folder: folder, metrics: metrics,
                                            gradcamImages: p.gradcamImages))
            if upstream == evaluations[0].key { content.data = dataSummary(folder) }
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
            if let meta = context.provenance(of: name) {
                rows.append(("stage \(name)", "key \(meta.key), \(String(format: "%.2f", meta.seconds)) s"))
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

    private func model(named name: String, folder: URL, metrics: JSONValue, gradcamImages: Int) throws -> ReportContent.Model {
        var model = ReportContent.Model(name: name)
        let recorded = metrics["classes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let classes = recorded.isEmpty ? model.classes : recorded
        let order = classes.count > 2
            ? ["accuracy", "balanced_accuracy", "roc_auc_macro", "precision_macro", "recall_macro", "f1_macro",
               "precision_weighted", "recall_weighted", "f1_weighted"]
            : ["accuracy", "balanced_accuracy", "roc_auc", "pr_auc", "precision", "recall", "specificity", "f1", "ece"]
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
        if classes.count > 2 {
            var multiclass = ReportContent.Multiclass(classes: classes)
            multiclass.confusion = metrics["confusion_matrix"]?.arrayValue?.map { $0.arrayValue?.compactMap(\.intValue) ?? [] } ?? []
            multiclass.perClass = classes.map { c in
                let entry = metrics["per_class"]?[c]
                return .init(name: c, precision: entry?["precision"]?.numberValue ?? .nan, recall: entry?["recall"]?.numberValue ?? .nan,
                             f1: entry?["f1"]?.numberValue ?? .nan, support: entry?["support"]?.intValue ?? 0, rocAUC: entry?["roc_auc"]?.numberValue)
            }
            for row in predictions.rows {
                guard let label = classes.firstIndex(of: predictions.value(row, "label")) else { continue }
                multiclass.labels.append(label)
                multiclass.probabilities.append(classes.map { Double(predictions.value(row, "prob_" + $0)) ?? 0 })
            }
            model.multiclass = multiclass
        } else {
            let positive = metrics["positive_class"]?.stringValue ?? classes[ClassList(names: classes).positive]
            model.classes = [classes.first { $0 != positive } ?? "benign", positive]
            for row in predictions.rows {
                model.labels.append(predictions.value(row, "label") == positive ? 1 : 0)
                model.probabilities.append(Double(predictions.value(row, "prob_" + positive)) ?? 0)
            }
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
            let written = model.heatmaps.count
            model.heatmaps = Array(model.heatmaps.prefix(max(gradcamImages, 0)))
            if written < min(gradcamImages, metrics["n_images"]?.intValue ?? written) {
                model.heatmapNote = "Evaluate wrote \(written) Grad-CAM overlays; the report asked for \(gradcamImages) (set evaluate's gradcam_images to write more)."
            } else if written > model.heatmaps.count {
                model.heatmapNote = "Showing \(model.heatmaps.count) of the \(written) overlays evaluate wrote."
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

    /// The data facts evaluate carried along: split counts and the leakage check from `split.json` (computed
    /// from the split manifest), skipped files from `ingest.json`, the balance decision from `balance.json`.
    private func dataSummary(_ folder: URL) -> ReportContent.DataSummary {
        func record(_ file: String) -> JSONValue? { try? JSONValue.parse(Data(contentsOf: folder.appendingPathComponent(file))) }
        var data = ReportContent.DataSummary()
        if let split = record("split.json") {
            data.counts = (split["per_class"]?.objectValue ?? [:]).mapValues { ($0.objectValue ?? [:]).compactMapValues(\.intValue) }
            data.patients = (split["patients"]?.objectValue ?? [:]).compactMapValues(\.intValue)
            data.patientsShared = split["patients_in_several_splits"]?.arrayValue?.compactMap(\.stringValue)
        }
        if let ingest = record("ingest.json") {
            data.ingestedImages = ingest["images"]?.intValue
            data.skippedFiles = ingest["skipped"]?.arrayValue?.map { ($0["path"]?.stringValue ?? "?", $0["reason"]?.stringValue ?? "?") }
            if let synthetic = ingest["synthetic"], let difficulty = synthetic["difficulty"]?.stringValue,
               let flipped = synthetic["flipped_images"]?.intValue, let images = data.ingestedImages {
                let asked = synthetic["label_noise"]?.numberValue ?? 0
                data.labelNoise = "Synthetic data at difficulty \(difficulty): \(flipped) of \(images) ingested images have a flipped label "
                    + "(label noise \(String(format: "%.0f", asked * 100)) % asked); no model can be right on those."
            }
        }
        if let balance = record("balance.json"), let strategy = balance["strategy"]?.stringValue {
            data.balance = .init(strategy: strategy, before: (balance["before"]?.objectValue ?? [:]).compactMapValues(\.intValue),
                                 after: (balance["after"]?.objectValue ?? [:]).compactMapValues(\.intValue))
        }
        return data
    }
}
