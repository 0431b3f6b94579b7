import CNN
import Datasets
import Foundation
import Models
import PipeBase
import PipeEngine

/// The epoch loop of `fine-tune`: batches, loss, optimizer and schedule, validation, early stopping and
/// restoring the best epoch's weights.
final class Trainer {
    let stage: String
    let model: Model
    let head: ClassifierHead
    let classes: [String]
    let train: [ManifestEntry]
    let val: [ManifestEntry]
    let context: StageContext
    let imageSize: Int
    let epochs: Int
    let batchSize: Int
    /// The early-stopping metric and whether larger is better (Keras' `mode`).
    let monitor: FineTuneParameters.EarlyStopping.Monitor
    let maximizes: Bool
    let patience: Int
    let restoreBest: Bool
    let optimizer: Optimizer
    /// `optimizer.clip_norm`: the most the global L2 norm of the trainable gradients may be before a step.
    let clipNorm: Float?
    let schedule: LearningRateSchedule
    /// Set for `schedule: {name: reduce-on-plateau}`, which watches `plateauMonitor` (Keras' `ReduceLROnPlateau`
    /// may watch another metric than `EarlyStopping`).
    var plateau: PlateauSchedule?
    let plateauMonitor: FineTuneParameters.EarlyStopping.Monitor
    let loss: SoftmaxCrossEntropy
    /// Logits for a batch of manifest rows in a mode and epoch (0 outside training); `backward` takes the
    /// loss gradient of the last training forward.
    let forward: ([ManifestEntry], Mode, Int) throws -> Tensor
    let backward: (Tensor) -> Void
    let seed: UInt64
    /// The graph the training passes run through (the head's alone when features are cached).
    let graph: Graph
    /// The shards of each batch and this rank's share (`shards`, the communicator's ranks).
    let plan: ShardPlan
    /// Time spent in training steps and in validation predictions, with their image counts, for `ThroughputLog`.
    private(set) var trainingSeconds = 0.0, trainingImages = 0, validationSeconds = 0.0, validationImages = 0

    init(stage: String, model: Model, head: ClassifierHead, parameters p: FineTuneParameters, imageSize: Int, classes: [String],
         train: [ManifestEntry], val: [ManifestEntry], seed: UInt64, context: StageContext, graph: Graph,
         forward: @escaping ([ManifestEntry], Mode, Int) throws -> Tensor, backward: @escaping (Tensor) -> Void) throws {
        plan = try ShardPlan(shards: p.shards, ranks: context.communicator.size, rank: context.communicator.rank, stage: stage)
        self.graph = graph
        self.stage = stage
        self.forward = forward
        self.backward = backward
        self.model = model
        self.head = head
        self.classes = classes
        self.train = train
        self.val = val
        self.context = context
        self.imageSize = imageSize
        epochs = p.epochs
        batchSize = p.batchSize
        monitor = p.earlyStopping.monitor
        maximizes = p.earlyStopping.maximizes
        // Keras' ReduceLROnPlateau takes its direction from the name of what it watches.
        plateauMonitor = p.schedule.monitor ?? p.earlyStopping.monitor
        patience = p.earlyStopping.patience ?? Int.max
        restoreBest = p.earlyStopping.restoreBest
        let options = p.optimizer
        let decay = Float(options.weightDecay)
        clipNorm = options.clipNorm.map { Float($0) }
        switch options.name {
        case .sgd: optimizer = SGD(momentum: Float(options.momentum), weightDecay: decay, nesterov: options.nesterov)
        case .adamw: optimizer = Adam.adamW(weightDecay: decay)
        case .adam: optimizer = Adam(weightDecay: decay)
        }
        let stepsPerEpoch = max(1, (train.count + batchSize - 1) / batchSize)
        let plan = p.schedule
        let decayRule: LearningRateSchedule.Decay
        switch plan.name {
        case .cosine: decayRule = .cosine(totalSteps: epochs * stepsPerEpoch, minimum: Float(plan.minLR))
        case .step: decayRule = .step(every: plan.stepSize * stepsPerEpoch, gamma: Float(plan.factor))
        case .constant, .reduceOnPlateau: decayRule = .constant
        }
        schedule = LearningRateSchedule(base: Float(options.lr), decay: decayRule, warmupSteps: plan.warmupEpochs * stepsPerEpoch)
        if plan.name == .reduceOnPlateau {
            plateau = PlateauSchedule(factor: Float(plan.factor), patience: plan.patience, minimum: Float(plan.minLR))
        }
        var weights: [Float]?
        // A `class-weights` balance stage upstream leaves each row's class weight in the `balance` column.
        let recorded = Dictionary(train.compactMap { row in row.balance.flatMap(Float.init).map { (row.label, $0) } },
                                  uniquingKeysWith: { first, _ in first })
        if !recorded.isEmpty {
            weights = classes.map { recorded[$0] ?? 1 }
        } else if p.classWeights == .auto {
            let counts = classes.map { c in train.filter { $0.label == c }.count }
            weights = counts.map { Float(train.count) / Float(classes.count * max($0, 1)) }
        }
        loss = SoftmaxCrossEntropy(classWeights: weights, labelSmoothing: Float(p.labelSmoothing))
        self.seed = seed
    }

    var trainable: [Parameter] { (model.backboneParameters + head.parameters).filter { !$0.isFrozen } }

    /// Runs the epochs and returns the history; the model ends with the best epoch's weights when asked.
    func fit() throws -> TrainingHistory {
        var history = TrainingHistory()
        var best: (score: Double, epoch: Int, weights: [[Float]])?
        var step = 0
        let labelIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, Int32($0)) })
        let resume = ResumeState(folder: context.resumeFolder)
        var firstEpoch = 1
        if let saved = resume.load(expecting: stateTensors.map(\.count)) {
            restore(saved.current)
            best = saved.best.map { (saved.bestScore, saved.bestEpoch, $0) }
            history = saved.history
            step = saved.step
            for row in history.rows { plateau?.record(plateauScore(row), baseRate: schedule.base) }
            firstEpoch = saved.epoch + 1
            context.note("resuming after epoch \(saved.epoch) of an interrupted run (\(saved.epoch) epochs kept; the optimizer's moments restart)")
        }
        var finished = history.rows.last.map { Self.summary($0, of: epochs) }
        var computeSeconds = 0.0, exchangeSeconds = 0.0
        defer {
            if context.communicator.size > 1, computeSeconds + exchangeSeconds > 0 {
                let share = 100 * exchangeSeconds / (computeSeconds + exchangeSeconds)
                context.note(String(format: "%d ranks: training steps took %.2f s in passes and %.2f s combining across ranks, waiting for the slowest included (%.1f%% of step time)",
                                    context.communicator.size, computeSeconds, exchangeSeconds, share))
            }
        }
        for epoch in firstEpoch...max(firstEpoch, epochs) where epoch <= epochs {
            var random = SeededRandom(seed: seed, 0xF17E, UInt64(epoch))
            let started = Date()
            var order = Self.oversampled(train, classes: classes, using: &random)
            order.shuffle(using: &random)
            var lossSum = 0.0, seen = 0
            var trainProbabilities: [[Double]] = [], trainLabels: [Int] = []
            for (batchIndex, start) in stride(from: 0, to: order.count, by: batchSize).enumerated() {
                if context.isCancelled { throw EngineError.cancelled }
                let stepStarted = Date()
                defer { trainingSeconds += Date().timeIntervalSince(stepStarted) }
                let rows = order[start..<min(start + batchSize, order.count)].map { train[$0] }
                let lr = rate(at: step)
                // Dropout masks follow the step (and shard), not how many passes this process ran.
                graph.dropoutStream = UInt64(step)
                let outcome = try pass(rows, labels: rows.map { labelIndex[$0.label] ?? 0 }, epoch: epoch, step: step)
                if step == 0, let thin = outcome.thinnestNormalisation, thin.values <= 2 {
                    context.note("batch norm `\(thin.layer)` normalises only \(thin.values) values per channel in a shard (images per shard x its feature map), so its statistics are noise and training may diverge; use fewer shards, a larger batch_size or image_size, or freeze the backbone's batch norms")
                }
                computeSeconds += outcome.computeSeconds
                exchangeSeconds += outcome.exchangeSeconds
                for (value, _) in outcome.losses where !value.isFinite {
                    throw diverged(epoch: epoch, rate: lr, "the training loss is \(Self.describe(Double(value))) at batch \(batchIndex + 1)")
                }
                // Training accuracy and AUC come from these training-mode predictions, as Keras reports them,
                // rather than from a second pass over the training set.
                trainProbabilities += outcome.probabilities
                trainLabels += rows.map { classes.firstIndex(of: $0.label) ?? 0 }
                Self.step(trainable, optimizer: optimizer, learningRate: lr, clipNorm: clipNorm)
                for (value, count) in outcome.losses { lossSum += Double(value) * Double(count) }
                seen += rows.count
                trainingImages += rows.count
                step += 1
                context.progress((epoch - 1) * order.count + seen, of: epochs * order.count, unit: "images",
                                 detail: "epoch \(epoch)/\(epochs), batch \(batchIndex + 1)/\((order.count + batchSize - 1) / batchSize)",
                                 epoch: finished)
            }
            if let bad = firstNonFiniteState() {
                throw diverged(epoch: epoch, rate: rate(at: max(step - 1, 0)), "\(bad) holds NaN or infinite values")
            }
            let trainScores = summarize(trainProbabilities, labels: trainLabels)
            let predictStarted = Date()
            let valProbabilities = try predict(val)
            validationSeconds += Date().timeIntervalSince(predictStarted)
            validationImages += val.count
            let valScores = summarize(valProbabilities, labels: val.map { classes.firstIndex(of: $0.label) ?? 0 })
            guard valScores.loss.isFinite else {
                throw diverged(epoch: epoch, rate: rate(at: max(step - 1, 0)), "the validation loss is \(Self.describe(valScores.loss))")
            }
            let row = TrainingHistory.Row(epoch: epoch, trainLoss: lossSum / Double(max(seen, 1)), valLoss: valScores.loss,
                                          trainAccuracy: trainScores.accuracy, valAccuracy: valScores.accuracy,
                                          trainAUC: trainScores.auc, valAUC: valScores.auc,
                                          learningRate: Double(rate(at: max(step - 1, 0))),
                                          seconds: Date().timeIntervalSince(started))
            history.rows.append(row)
            finished = Self.summary(row, of: epochs)
            context.progress(epoch * order.count, of: epochs * order.count, unit: "images", detail: "epoch \(epoch)/\(epochs) done",
                             epoch: finished)
            let score = score(row)
            if plateau?.record(plateauScore(row), baseRate: schedule.base) == true {
                context.note("epoch \(epoch): \(plateauMonitor.rawValue) has not improved for \(plateau!.patience) epochs; learning rate now \(rate(at: step))")
            }
            if best == nil || score > best!.score {
                best = (score, epoch, stateTensors.map(\.array))
            }
            if context.isLeader {
                try resume.save(epoch: epoch, step: step, current: stateTensors.map(\.array), best: best, history: history)
            }
            if epoch - best!.epoch >= patience {
                context.note("early stopping at epoch \(epoch): \(monitor.rawValue) has not improved since epoch \(best!.epoch)")
                break
            }
        }
        if restoreBest, let best { restore(best.weights) }
        return history
    }

    /// One batch's forward and backward passes, leaving its gradients in the trainable parameters: as one pass
    /// when the batch is a single shard, otherwise shard by shard over the ranks (`ShardedStep`).
    private func pass(_ rows: [ManifestEntry], labels: [Int32], epoch: Int, step: Int) throws -> ShardedStep.Outcome {
        guard plan.isWhole else {
            // Frozen batch norms use their running statistics and record nothing: only trained ones are exchanged.
            let sharded = ShardedStep(plan: plan, communicator: context.communicator, graph: graph, batchNorms: batchNorms.filter(\.isTrainable),
                                      trainable: trainable, loss: loss, classes: classes.count, backward: backward)
            return try sharded.run(rows, labels: labels, step: step) { try forward($0, .training, epoch) }
        }
        let value = try loss.forward(logits: try forward(rows, .training, epoch), labels: labels)
        var outcome = ShardedStep.Outcome(losses: [(value, rows.count)])
        if let probabilities = loss.probabilities { outcome.probabilities = TrainedClassifier.rows(of: probabilities) }
        if value.isFinite { backward(loss.backward()) }
        return outcome
    }

    /// A finished epoch as progress reports carry it: the scores a log line shows, in that order.
    static func summary(_ row: TrainingHistory.Row, of epochs: Int) -> StageProgress.Epoch {
        StageProgress.Epoch(number: row.epoch, of: epochs, scores: [
            .init("loss", row.trainLoss), .init("val_loss", row.valLoss), .init("val_accuracy", row.valAccuracy),
            .init("val_auc", row.valAUC), .init("lr", row.learningRate),
        ])
    }

    /// One update: with `clipNorm`, the gradients are first scaled down to that global L2 norm when above it.
    static func step(_ parameters: [Parameter], optimizer: Optimizer, learningRate: Float, clipNorm: Float?) {
        if let clipNorm { clipGradientNorm(parameters, maxNorm: clipNorm) }
        optimizer.step(parameters, learningRate: learningRate)
    }

    /// The error that ends a run whose numbers stopped being finite: a result from it would be meaningless.
    private func diverged(epoch: Int, rate: Float, _ what: String) -> StageError {
        StageError.misconfigured(stage: stage, reason: "training diverged at epoch \(epoch): \(what) (learning rate \(rate)\(clipNorm.map { ", clip_norm \($0)" } ?? "")); lower optimizer.lr (e.g. to \(rate / 10)) or set optimizer.clip_norm")
    }

    private static func describe(_ value: Double) -> String { value.isNaN ? "NaN" : value > 0 ? "infinite" : "minus infinite" }

    /// The name of the first trainable parameter or batch-norm statistic holding a NaN or infinity, if any.
    private func firstNonFiniteState() -> String? {
        Self.firstNonFinite(trainable.map { ("weight `\($0.name)`", $0.value) }
            + batchNorms.flatMap { [("the running mean of `\($0.name)`", $0.runningMean), ("the running variance of `\($0.name)`", $0.runningVariance)] })
    }

    /// The name of the first tensor holding a NaN or infinity, in one pass: `0 * x` is 0 for every finite `x`, NaN otherwise.
    static func firstNonFinite(_ tensors: [(name: String, tensor: Tensor)]) -> String? {
        tensors.first { named in
            var sum: Float = 0
            for i in 0..<named.tensor.count { sum += 0 * named.tensor.data[i] }
            return sum != 0
        }?.name
    }

    /// The learning rate of zero-based `step`: the schedule's, lowered by any plateau reductions.
    private func rate(at step: Int) -> Float {
        let scheduled = schedule.rate(at: step)
        return plateau?.apply(to: scheduled) ?? scheduled
    }

    /// The early-stopping metric of an epoch, signed so that higher is better.
    private func score(_ row: TrainingHistory.Row) -> Double {
        let value = Self.value(of: monitor, in: row)
        return maximizes ? value : -value
    }

    /// The reduce-on-plateau metric of an epoch, higher being better.
    private func plateauScore(_ row: TrainingHistory.Row) -> Double {
        let value = Self.value(of: plateauMonitor, in: row)
        return plateauMonitor.risesWhenBetter ? value : -value
    }

    static func value(of metric: FineTuneParameters.EarlyStopping.Monitor, in row: TrainingHistory.Row) -> Double {
        switch metric {
        case .valLoss: row.valLoss
        case .valAUC: row.valAUC
        case .valAccuracy: row.valAccuracy
        }
    }

    /// The training row indices of one epoch: each row once, and with an `oversample` balance stage upstream,
    /// seeded extra draws from the smaller classes until every class has as many rows as the largest.
    static func oversampled(_ rows: [ManifestEntry], classes: [String], using random: inout SeededRandom) -> [Int] {
        var order = Array(rows.indices)
        guard rows.contains(where: { $0.balance == "oversample" }) else { return order }
        let byClass = Dictionary(grouping: rows.indices, by: { rows[$0].label })
        let largest = byClass.values.map(\.count).max() ?? 0
        for label in classes {
            let members = byClass[label] ?? []
            guard !members.isEmpty else { continue }
            for _ in members.count..<largest { order.append(members[random.below(members.count)]) }
        }
        return order
    }

    /// Class probabilities of `rows` in inference mode.
    private func predict(_ rows: [ManifestEntry]) throws -> [[Double]] {
        var probabilities: [[Double]] = []
        for start in stride(from: 0, to: rows.count, by: batchSize) {
            probabilities += TrainedClassifier.softmaxRows(try forward(Array(rows[start..<min(start + batchSize, rows.count)]), .inference, 0))
        }
        return probabilities
    }

    /// Loss, accuracy and AUC (malignant or the last class as positive) of predicted probabilities.
    private func summarize(_ probabilities: [[Double]], labels: [Int]) -> (loss: Double, accuracy: Double, auc: Double) {
        var lossSum = 0.0, right = 0
        for (p, label) in zip(probabilities, labels) {
            lossSum -= log(max(p[label], 1e-12))
            if p.indices.max(by: { p[$0] < p[$1] }) == label { right += 1 }
        }
        let positive = ClassList(names: classes).positive
        let auc = RankingMetrics.rocAUC(labels: labels.map { $0 == positive ? 1 : 0 }, scores: probabilities.map { $0[positive] }) ?? .nan
        return (lossSum / Double(max(labels.count, 1)), Double(right) / Double(max(labels.count, 1)), auc)
    }

    /// The batch norms of backbone and head, once each (the head may or may not be in the model's graph yet).
    private var batchNorms: [BatchNormLayer] {
        var seen = Set<ObjectIdentifier>()
        return (model.graph.allLayers + head.layers).compactMap { $0 as? BatchNormLayer }.filter { seen.insert(ObjectIdentifier($0)).inserted }
    }

    /// Everything training changes: the trainable parameters, then every batch norm's running statistics.
    private var stateTensors: [Tensor] {
        trainable.map(\.value) + batchNorms.flatMap { [$0.runningMean, $0.runningVariance] }
    }

    private func restore(_ saved: [[Float]]) {
        for (tensor, values) in zip(stateTensors, saved) {
            values.withUnsafeBufferPointer { tensor.data.update(from: $0.baseAddress!, count: tensor.count) }
        }
    }
}
