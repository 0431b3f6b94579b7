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
/// The timeline, the protocol and the provenance come from the store's records of every stage upstream
/// (`StageContext.lineage`): their keys, times, builds and resolved parameters.
public struct ReportStage: TypedStageKind {
    public let name = "report"
    public let version = 4
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
        let lineage = context.lineage
        let evaluationProtocol = EvaluationProtocol(lineage: lineage)
        for (upstream, folder) in evaluations {
            let metrics = try JSONValue.parse(Data(contentsOf: folder.appendingPathComponent("metrics.json")))
            summary[upstream] = metrics
            var model = try model(named: upstream, folder: folder, metrics: metrics, gradcamImages: p.gradcamImages)
            Self.attachTraining(&model, evaluate: upstream, evaluationProtocol)
            content.models.append(model)
            if upstream == evaluations[0].key {
                content.data = dataSummary(folder)
                let predictions = try? CSVTable(contentsOf: folder.appendingPathComponent("predictions.csv"))
                let magnifications = Set(predictions?.rows.map { predictions!.value($0, "magnification") } ?? []).subtracting([""])
                content.evaluationProtocol = evaluationProtocol.sentences(
                    evaluate: upstream, images: metrics["n_images"]?.intValue, patients: metrics["patient_level"]?["n_patients"]?.intValue,
                    magnifications: magnifications.sorted { (Int($0) ?? 0, $0) < (Int($1) ?? 0, $1) })
            }
        }
        content.stages = lineage.map { name, meta in
            ReportContent.StageRecord(name: name, kind: meta.parts.kind, key: meta.key, seconds: meta.seconds, finished: meta.created,
                                      pipe: meta.pipe, build: meta.build)
        }.sorted { $0.started != $1.started ? $0.started < $1.started : $0.name < $1.name }
        content.provenance = provenance(context, evaluations: evaluations)
        do {
            try Data(ReportPage.render(content).utf8).write(to: context.output.appendingPathComponent("index.html"))
            try Data(JSONValue.object(["pipeline": .string(context.pipeline.name), "models": .object(summary)]).canonicalText.utf8)
                .write(to: context.output.appendingPathComponent("report.json"))
        } catch {
            throw StageError.cannotWrite(context.output.path)
        }
    }

    /// Names the fine-tune stage upstream of `evaluate` as the model's trainer, with the score its early stopping watched.
    static func attachTraining(_ model: inout ReportContent.Model, evaluate: String, _ evaluationProtocol: EvaluationProtocol) {
        guard let training = evaluationProtocol.ancestor(of: evaluate, kind: "fine-tune") else { return }
        model.trainedBy = training.name
        let stopping = training.stage.parameters["early_stopping"]
        let monitor = stopping?["monitor"]?.stringValue ?? "val_loss"
        let mode = stopping?["mode"]?.stringValue ?? "auto"
        model.monitor = .init(name: monitor, maximizes: mode == "auto" ? monitor != "val_loss" : mode == "max")
    }

    /// Pipeline, file hash, seed, the pipe build that wrote the report, and the weights each model started from;
    /// each stage's key, time and build are in `content.stages`.
    private func provenance(_ context: StageContext, evaluations: [(key: String, value: URL)]) -> [(String, String)] {
        var rows: [(String, String)] = [("pipeline", context.pipeline.name)]
        if let file = context.pipeline.file { rows.append(("pipeline file", "\(file.path) (sha256 \(context.pipeline.fileHash ?? "?"))")) }
        rows += [("seed", String(context.pipeline.seed)), ("report written by", "pipe \(PipeBuild.version), build \(PipeBuild.commit)")]
        for (name, folder) in evaluations {
            if let weights = try? JSONValue.parse(Data(contentsOf: folder.appendingPathComponent("import.json"))) {
                let source = [weights["arch"]?.stringValue, weights["source"]?.stringValue, weights["initialisation"]?.stringValue,
                              weights["sha256"]?.stringValue.map { "sha256 \($0)" }].compactMap { $0 }
                rows.append(("weights (\(name))", source.joined(separator: ", ")))
            }
        }
        return rows
    }

    func model(named name: String, folder: URL, metrics: JSONValue, gradcamImages: Int) throws -> ReportContent.Model {
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
        model.history = Self.history(in: folder)
        return model
    }

    /// The epochs of the `history.csv` evaluate carried along from fine-tune; none when there is no such file.
    static func history(in folder: URL) -> [ReportContent.Epoch] {
        guard let history = try? CSVTable(contentsOf: folder.appendingPathComponent("history.csv")) else { return [] }
        return history.rows.map { row in
            func v(_ column: String) -> Double { Double(history.value(row, column)) ?? .nan }
            return ReportContent.Epoch(epoch: Int(history.value(row, "epoch")) ?? 0, trainLoss: v("train_loss"), valLoss: v("val_loss"),
                                       trainAccuracy: v("train_accuracy"), valAccuracy: v("val_accuracy"),
                                       trainAUC: v("train_auc"), valAUC: v("val_auc"), learningRate: v("lr"), seconds: v("seconds"))
        }
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
