import CNN
import Datasets
import Foundation
import Models
import PipeEngine
import PipeSpec

/// The `fine-tune` kind: trains a classifier head (and, unless frozen, the backbone) on the split manifest,
/// starting from an import-weights checkpoint or, with `init_from`, from another fine-tune stage's classifier;
/// keeps the best epoch by the monitored metric.
///
/// Output: the backbone checkpoint (`model.json`, `model.safetensors`), the head (`head.json`,
/// `head.safetensors`) and `history.csv`; together a complete classifier (`TrainedClassifier`) that `pipe predict
/// --model` and `pipe export` use as it is. A NaN or infinite loss stops the stage with the epoch, batch and
/// learning rate.
public struct FineTuneStage: TypedStageKind {
    public let name = "fine-tune"
    public let version = 1
    public let produces = ArtifactKind.trainedClassifier
    public let defaultResources = StageResources(cores: 8, memory: "16G", time: "24:00:00")
    /// Ranks share a batch's `shards`; how many is checked against them when the stage starts.
    public let maxRanks = 4096

    public init() {}

    public func consumes(_ stage: StageSpec) -> [ArtifactNeed] {
        [.one(.splitManifest), .one(stage.with["init_from"]?.stringValue == nil ? .modelCheckpoint : .trainedClassifier)]
    }

    public func plan(_ stage: StageSpec, parameters: FineTuneParameters, pipeline: PipelineContext) throws -> StagePlan {
        if let from = parameters.initFrom {
            guard from != stage.name else {
                throw StageError.misconfigured(stage: stage.name, reason: "`init_from` names the stage itself; name the fine-tune stage it continues from")
            }
            guard stage.needs.contains(from) else {
                throw StageError.misconfigured(stage: stage.name, reason: "`init_from: \(from)` is not in its needs (\(stage.needs.joined(separator: ", "))); add `\(from)` to `needs`")
            }
        }
        return .allCores
    }

    /// The frozen prefix's cached output, or nil (with a note) when the disk cannot hold it, in which case
    /// the frozen layers run on every batch instead.
    private static func prefixCache(model: Model, node: Int, rows: [ManifestEntry], size: Int,
                                    context: StageContext) throws -> ActivationCache? {
        do {
            return try ActivationCache(model: model, node: node, rows: rows, size: size, context: context)
        } catch ActivationCache.Failure.noSpace(let bytes, _) {
            context.note("the frozen layers' output needs \(bytes / 1_000_000) MB of disk, which is not free; "
                         + "the frozen layers run on every batch instead (free space, or freeze through a later layer)")
            return nil
        }
    }

    public func run(_ stage: StageSpec, parameters p: FineTuneParameters, plan: StagePlan, context: StageContext) throws {
        let manifest = try ManifestFile.input(.splitManifest, of: context).manifest
        let checkpoint = try Self.startingPoint(stage: stage.name, parameters: p, context: context)
        guard manifest.has(.split) else {
            throw StageError.misconfigured(stage: stage.name, reason: "its manifest has no `split` column; put a split stage before it")
        }
        let rows = manifest.rows
        let classes = manifest.classes.names
        let train = rows.filter { $0.split == .train }, val = rows.filter { $0.split == .val }
        for (part, partRows) in [("train", train), ("val", val)] {
            let missing = classes.filter { c in !partRows.contains { $0.label == c } }
            guard missing.isEmpty else {
                throw StageError.misconfigured(stage: stage.name, reason: "class \(missing.map { "`\($0)`" }.joined(separator: ", ")) has no \(part) image; change the split")
            }
        }
        let (model, _) = try Checkpoint.load(from: checkpoint.path)
        if model.head != nil { model.removeHead() }
        let seed = UInt64(context.pipeline.seed)
        let head = try p.initFrom.map { try Self.continuedHead(stage: stage.name, from: $0, folder: checkpoint, parameters: p, model: model, classes: classes) }
            ?? ClassifierHead(spec: .array(p.head.map(\.json)), features: model.featureCount, classes: classes.count, seed: seed &+ 11, stage: stage.name)
        let (trainer, frozen) = try Self.trainer(stage: stage.name, parameters: p, model: model, head: head, classes: classes,
                                                 train: train, val: val, seed: seed, context: context)
        let history = try trainer.fit()
        if context.communicator.size == 1, p.freeze != .backbone {
            let arch = model.architecture.rawValue
            if case .until(let layer) = p.freeze {
                // Training and validation passes both run only the layers after the cached prefix.
                ThroughputLog.record(store: context.pipeline.store, arch: arch, mode: .trainingAfter(layer), size: trainer.imageSize,
                                     images: trainer.trainingImages, seconds: trainer.trainingSeconds + trainer.validationSeconds)
            } else {
                ThroughputLog.record(store: context.pipeline.store, arch: arch, mode: .training, size: trainer.imageSize,
                                     images: trainer.trainingImages, seconds: trainer.trainingSeconds)
                ThroughputLog.record(store: context.pipeline.store, arch: arch, mode: .inference, size: trainer.imageSize,
                                     images: trainer.validationImages, seconds: trainer.validationSeconds)
            }
        }
        // The other ranks computed the same weights; only rank 0 writes them.
        guard context.isLeader else { return }
        if frozen { head.attach(to: model) }
        try Checkpoint.save(model, to: context.output.path)
        try head.save(to: context.output, classes: classes, imageSize: trainer.imageSize)
        try history.write(to: context.output.appendingPathComponent("history.csv"))
        // Where the weights came from travels on to evaluate and the report.
        try? FileManager.default.copyItem(at: checkpoint.appendingPathComponent("import.json"),
                                          to: context.output.appendingPathComponent("import.json"))
    }

    /// The trainer of `model` and `head` with the passes `p` asks for (cached features of a frozen backbone or
    /// prefix, online augmentation); `frozen` when the head trains alone on cached features, apart from `model`.
    static func trainer(stage: String, parameters p: FineTuneParameters, model: Model, head: ClassifierHead, classes: [String],
                        train: [ManifestEntry], val: [ManifestEntry], seed: UInt64,
                        context: StageContext) throws -> (trainer: Trainer, frozen: Bool) {
        // Before any work: a rank count that cannot share the shards is an error now, not after the caches.
        _ = try ShardPlan(shards: p.shards, ranks: context.communicator.size, rank: context.communicator.rank, stage: stage)
        var until: String?
        if case .until(let name) = p.freeze { until = name }
        let augmenter = OnlineAugmenter(plan: p.onlineAugment, seed: seed)
        let backboneFrozen = p.freeze == .backbone
        // Cached features would freeze the augmentation too, so online augmentation runs the backbone each batch.
        let frozen = backboneFrozen && augmenter.plan.steps.isEmpty
        model.setBackboneFrozen(backboneFrozen)
        if backboneFrozen && !frozen {
            context.note("online_augment is set: the frozen backbone runs on each augmented batch instead of cached features")
        }
        if let until {
            guard let count = model.freezeBackbone(through: until) else {
                // Suggest stage prefixes too (`conv4_block2` of `conv4_block2_0_bn`), which `until` accepts.
                let names = model.backboneLayerNames
                let prefixes = names.flatMap { name in name.indices.filter { "_.".contains(name[$0]) }.map { String(name[..<$0]) } }
                let hint = closestName(to: until, among: Set(names + prefixes).sorted()).map { " (did you mean `\($0)`?)" } ?? ""
                throw StageError.misconfigured(stage: stage, reason: "`freeze: {until: \(until)}` names no layer of the backbone\(hint)")
            }
            context.note("freezing the backbone through `\(until)`: the first \(count) layers are frozen")
        }
        let size = p.imageSize ?? model.architecture.defaultInputSize.height
        let forward: ([ManifestEntry], Mode, Int) throws -> Tensor
        let backward: (Tensor) -> Void
        var graph = model.graph
        if frozen {
            // Frozen-backbone speed path: every image goes through the backbone once; epochs train the head on
            // the cached features.
            let started = Date()
            let features = try ActivationCache(model: model, node: nil, rows: train + val, size: size, context: context)
            if context.communicator.size == 1 {
                ThroughputLog.record(store: context.pipeline.store, arch: model.architecture.rawValue, mode: .inference, size: size,
                                     images: Set((train + val).map(\.path)).count, seconds: Date().timeIntervalSince(started))
            }
            let headGraph = Graph()
            for layer in head.layers { headGraph.append(layer) }
            graph = headGraph
            forward = { rows, mode, _ in try headGraph.forward(features.batch(rows), mode: mode) }
            backward = { headGraph.backward($0) }
        } else if augmenter.plan.steps.isEmpty, let cut = model.frozenPrefixNode,
                  let prefix = try Self.prefixCache(model: model, node: cut, rows: train + val, size: size, context: context) {
            // `freeze: until` speed path: the frozen prefix runs once per image; epochs start after it.
            head.attach(to: model)
            forward = { rows, mode, _ in try model.graph.forward(resuming: cut, with: prefix.batch(rows), mode: mode) }
            backward = { model.graph.backward($0) }
        } else {
            head.attach(to: model)
            forward = { rows, mode, epoch in
                let paths = rows.map(\.path)
                let input = mode == .training && !augmenter.plan.steps.isEmpty
                    ? try augmenter.batch(rows, epoch: epoch, size: size, preprocessing: model.preprocessing)
                    : try TrainedClassifier.batch(paths, size: size, preprocessing: model.preprocessing)
                return try model.graph.forward(input, mode: mode)
            }
            backward = { model.graph.backward($0) }
        }
        let trainer = try Trainer(stage: stage, model: model, head: head, parameters: p, imageSize: size, classes: classes,
                                  train: train, val: val, seed: seed, context: context, graph: graph, forward: forward, backward: backward)
        return (trainer, frozen)
    }
}
