import Datasets
import Foundation
import PipeEngine
import PipeSpec

/// The `evaluate` kind: scores the fine-tuned model on a split and writes `predictions.csv` and `metrics.json`.
///
/// AUC and average precision come from probabilities; confidence intervals resample whole patients; the
/// patient-level rate is BreakHis's protocol. `threshold: youden-on-val` picks the cut on the validation split.
/// The training history and split summary are copied along for the report.
public struct EvaluateStage: StageKind {
    public let name = "evaluate"
    public let version = 2

    public init() {}

    public func plan(_ stage: StageSpec, pipeline: PipelineContext) throws -> StagePlan { .allCores }

    public func run(_ stage: StageSpec, plan: StagePlan, context: StageContext) throws {
        let p = StageParameters(stage)
        guard let modelFolder = context.inputs.values.first(where: { FileManager.default.fileExists(atPath: $0.appendingPathComponent(ClassifierHead.specName).path) }) else {
            throw StageError.misconfigured(stage: stage.name, reason: "none of its `needs` is a fine-tune stage")
        }
        let manifest = try ManifestFile.upstream(of: stage.name, context: context).manifest
        let classifier = try TrainedClassifier.load(from: modelFolder)
        let split = p.string("split") ?? "test"
        let rows = manifest.rows.filter { $0["split"] == split && ($0["source"] ?? "").isEmpty }
        guard !rows.isEmpty else { throw StageError.misconfigured(stage: stage.name, reason: "the \(split) split has no images") }
        let positive = classifier.classes.firstIndex(of: "malignant") ?? classifier.classes.count - 1
        let probabilities = try classifier.probabilities(of: rows.map { $0["path"] ?? "" })
        var threshold = p.double("threshold") ?? 0.5
        if p.string("threshold") == "youden-on-val" {
            let valRows = manifest.rows.filter { $0["split"] == "val" && ($0["source"] ?? "").isEmpty }
            let valProbabilities = try classifier.probabilities(of: valRows.map { $0["path"] ?? "" })
            threshold = RankingMetrics.youdenThreshold(labels: valRows.map { $0["label"] == classifier.classes[positive] ? 1 : 0 },
                                                       scores: valProbabilities.map { $0[positive] }) ?? 0.5
        }
        let labels = rows.map { $0["label"] == classifier.classes[positive] ? 1 : 0 }
        let scores = probabilities.map { $0[positive] }
        var generator = Datasets.SeededRandom(seed: UInt64(context.pipeline.seed), 0xE7A1)
        let metrics = EvaluationReport(labels: labels, scores: scores, threshold: threshold, patients: rows.map { $0["patient"] ?? "" },
                                       magnifications: rows.map { $0["magnification"] ?? "" }, bootstrap: p.int("bootstrap") ?? 1000,
                                       generator: &generator)
        let negative = classifier.classes.firstIndex { $0 != classifier.classes[positive] } ?? positive
        let predicted = scores.map { $0 >= threshold ? positive : negative }
        var csv = "path,patient,label,split,prob_malignant,pred" + (manifest.columns.contains("magnification") ? ",magnification" : "") + "\n"
        for (row, (score, guess)) in zip(rows, zip(scores, predicted)) {
            var fields = [row["path"] ?? "", row["patient"] ?? "", row["label"] ?? "", split, String(format: "%.6f", score),
                          classifier.classes[guess]]
            if manifest.columns.contains("magnification") { fields.append(row["magnification"] ?? "") }
            csv += CSVTable.line(fields) + "\n"
        }
        do {
            try Data(csv.utf8).write(to: context.output.appendingPathComponent("predictions.csv"))
            try Data(metrics.json.utf8).write(to: context.output.appendingPathComponent("metrics.json"))
            for file in ["history.csv", "import.json"] {
                let source = modelFolder.appendingPathComponent(file)
                if FileManager.default.fileExists(atPath: source.path) {
                    try FileManager.default.copyItem(at: source, to: context.output.appendingPathComponent(file))
                }
            }
        } catch let error as StageError {
            throw error
        } catch {
            throw StageError.cannotWrite(context.output.path)
        }
        try JSONFile.write(SplitSummary(manifest: manifest, byPatient: true), to: context.output.appendingPathComponent("split.json"))
        let picks = HeatmapGallery.choose(correct: zip(predicted, rows).map { classifier.classes[$0] == $1["label"] },
                                          confidence: zip(predicted, probabilities).map { $1[$0] },
                                          margin: scores.map { abs($0 - threshold) })
        if try HeatmapGallery.write(picks, classifier: classifier, rows: rows, predicted: predicted,
                                    probabilities: probabilities, to: context.output) == 0 {
            context.note("no Grad-CAM images: this model does not end in global average pooling")
        }
    }
}
