import Datasets
import Foundation
import PipeBase
import PipeEngine
import PipeSpec

/// The `evaluate` kind: scores the fine-tuned model on a split and writes `predictions.csv` and `metrics.json`.
///
/// AUC and average precision come from probabilities; confidence intervals resample whole patients; the
/// patient-level rate is BreakHis's protocol. With two classes, `threshold: youden-on-val` picks the cut on the
/// validation split; with more, each image gets its most probable class and metrics are per class and averaged.
/// The training history, split summary and data records (`ingest.json`, `balance.json`) are copied along for the report.
public struct EvaluateStage: TypedStageKind {
    public let name = "evaluate"
    public let version = 3
    public let produces = ArtifactKind.evaluation
    public let defaultResources = StageResources(cores: 4, memory: "8G", time: "2:00:00")

    public init() {}

    public func consumes(_ stage: StageSpec) -> [ArtifactNeed] { [.one(.splitManifest), .one(.trainedClassifier)] }

    public func plan(_ stage: StageSpec, parameters: EvaluateParameters, pipeline: PipelineContext) throws -> StagePlan { .allCores }

    public func run(_ stage: StageSpec, parameters p: EvaluateParameters, plan: StagePlan, context: StageContext) throws {
        let modelFolder = try context.input(.trainedClassifier).folder
        let (manifest, manifestFolder) = try ManifestFile.input(.splitManifest, of: context)
        let classifier = try TrainedClassifier.load(from: modelFolder)
        let split = p.split.rawValue
        let rows = manifest.rows.filter { $0.split?.rawValue == split && $0.source == nil }
        guard !rows.isEmpty else { throw StageError.misconfigured(stage: stage.name, reason: "the \(split) split has no images") }
        let unknown = Set(rows.map(\.label)).subtracting(classifier.classes)
        guard classifier.classes.count <= 2 || unknown.isEmpty else {
            throw StageError.misconfigured(stage: stage.name, reason: "the \(split) split has labels the model was not trained on (\(unknown.sorted().joined(separator: ", "))); evaluate on the manifest its fine-tune stage trained on")
        }
        let started = Date()
        let probabilities = try classifier.probabilities(of: rows.map(\.path))
        ThroughputLog.record(store: context.pipeline.store, arch: classifier.model.architecture.rawValue, mode: .inference,
                             size: classifier.imageSize, images: rows.count, seconds: Date().timeIntervalSince(started))
        try Self.requireFinite(probabilities, of: rows, stage: stage.name)
        var generator = SeededRandom(seed: UInt64(context.pipeline.seed), 0xE7A1)
        let scored = classifier.classes.count > 2
            ? Self.multiclass(classifier.classes, rows: rows, probabilities: probabilities, bootstrap: p.bootstrap, generator: &generator)
            : try Self.binary(classifier, rows: rows, probabilities: probabilities, manifest: manifest, p: p, stage: stage.name, generator: &generator)
        var csv = CSVTable.line(["path", "patient", "label", "split"] + scored.probabilityColumns.map { "prob_" + $0 } + ["pred"]
            + (manifest.has(.magnification) ? ["magnification"] : [])) + "\n"
        for (index, row) in rows.enumerated() {
            var fields = [row.path, row.patient, row.label, split]
                + scored.probabilityColumns.indices.map { String(format: "%.6f", scored.probabilityValues[index][$0]) }
                + [classifier.classes[scored.predicted[index]]]
            if manifest.has(.magnification) { fields.append(row.magnification ?? "") }
            csv += CSVTable.line(fields) + "\n"
        }
        do {
            try Data(csv.utf8).write(to: context.output.appendingPathComponent("predictions.csv"))
            try Data(scored.metrics.utf8).write(to: context.output.appendingPathComponent("metrics.json"))
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
        try UpstreamRecords.carry(from: manifestFolder, to: context.output)
        try JSONFile.write(SplitSummary(manifest: manifest, byPatient: true), to: context.output.appendingPathComponent("split.json"))
        let predicted = scored.predicted
        let picks = HeatmapGallery.choose(correct: zip(predicted, rows).map { classifier.classes[$0] == $1.label },
                                          confidence: zip(predicted, probabilities).map { $1[$0] },
                                          margin: scored.margins, count: p.gradcamImages)
        if try HeatmapGallery.write(picks, classifier: classifier, rows: rows, predicted: predicted,
                                    probabilities: probabilities, to: context.output) == 0, !picks.isEmpty {
            context.note("no Grad-CAM images: this model does not end in global average pooling")
        }
    }

    /// What the two kinds of decision hand on: metrics.json's text, predictions.csv's probability columns, each
    /// image's class, and how near each image was to another decision (for the Grad-CAM borderline picks).
    struct Scored {
        var metrics: String
        var probabilityColumns: [String]
        var probabilityValues: [[Double]]
        var predicted: [Int]
        var margins: [Double]
    }

    /// Two classes: the positive class is `ClassList`'s; decisions are `probability >= threshold`.
    private static func binary<R: RandomNumberGenerator>(_ classifier: TrainedClassifier, rows: [ManifestEntry], probabilities: [[Double]],
                                                        manifest: ManifestFile, p: EvaluateParameters, stage: String, generator: inout R) throws -> Scored {
        let positive = ClassList(names: classifier.classes).positive
        let threshold: Double
        switch p.threshold {
        case .fixed(let value):
            threshold = value
        case .youdenOnVal:
            let valRows = manifest.rows.filter { $0.split == .val && $0.source == nil }
            let valProbabilities = try classifier.probabilities(of: valRows.map(\.path))
            try requireFinite(valProbabilities, of: valRows, stage: stage)
            threshold = RankingMetrics.youdenThreshold(labels: valRows.map { $0.label == classifier.classes[positive] ? 1 : 0 },
                                                       scores: valProbabilities.map { $0[positive] }) ?? 0.5
        }
        let labels = rows.map { $0.label == classifier.classes[positive] ? 1 : 0 }
        let scores = probabilities.map { $0[positive] }
        var report = EvaluationReport(labels: labels, scores: scores, threshold: threshold, patients: rows.map(\.patient),
                                      magnifications: rows.map { $0.magnification ?? "" }, bootstrap: p.bootstrap,
                                      generator: &generator)
        report.values["classes"] = .array(classifier.classes.map(JSONValue.string))
        report.values["positive_class"] = .string(classifier.classes[positive])
        let negative = classifier.classes.firstIndex { $0 != classifier.classes[positive] } ?? positive
        return Scored(metrics: report.json, probabilityColumns: [classifier.classes[positive]], probabilityValues: scores.map { [$0] },
                      predicted: scores.map { $0 >= threshold ? positive : negative }, margins: scores.map { abs($0 - threshold) })
    }

    /// More than two classes: each image gets its most probable class; no threshold, no positive class.
    private static func multiclass<R: RandomNumberGenerator>(_ classes: [String], rows: [ManifestEntry], probabilities: [[Double]],
                                                            bootstrap: Int, generator: inout R) -> Scored {
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        let labels = rows.map { index[$0.label]! }
        let report = MulticlassEvaluationReport(classes: classes, labels: labels, probabilities: probabilities,
                                                patients: rows.map(\.patient), magnifications: rows.map { $0.magnification ?? "" },
                                                bootstrap: bootstrap, generator: &generator)
        return Scored(metrics: report.json, probabilityColumns: classes, probabilityValues: probabilities,
                      predicted: probabilities.map(MulticlassEvaluationReport.argmax),
                      margins: probabilities.map { p in let top = p.sorted(by: >); return top[0] - top[1] })
    }

    /// Refuses NaN or infinite probabilities, which only a diverged model gives, instead of scoring them.
    static func requireFinite(_ probabilities: [[Double]], of rows: [ManifestEntry], stage: String) throws {
        let bad = probabilities.indices.filter { !probabilities[$0].allSatisfy(\.isFinite) }
        guard let first = bad.first else { return }
        throw StageError.misconfigured(stage: stage, reason: "the model gives NaN or infinite probabilities for \(bad.count) of \(rows.count) images (e.g. \(rows[first].path)); its weights diverged: fine-tune again with a lower optimizer.lr or with optimizer.clip_norm")
    }
}
