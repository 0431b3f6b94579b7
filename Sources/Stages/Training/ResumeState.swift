import Foundation
import Models
import PipeSpec

/// What a fine-tune keeps after each epoch so a killed run resumes there: the weights, the best epoch's
/// weights, the step count and the history so far.
struct ResumeState {
    let folder: URL

    struct Saved {
        var epoch: Int
        var step: Int
        var current: [[Float]]
        var best: [[Float]]?
        var bestScore: Double
        var bestEpoch: Int
        var history: TrainingHistory
    }

    private var weights: URL { folder.appendingPathComponent("weights.safetensors") }
    private var progress: URL { folder.appendingPathComponent("progress.json") }

    /// Writes the state; the weights first, then the progress file that makes them count.
    func save(epoch: Int, step: Int, current: [[Float]], best: (score: Double, epoch: Int, weights: [[Float]])?,
              history: TrainingHistory) throws {
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var tensors = current.enumerated().map { ("current.\($0.offset)", WeightArray(shape: [$0.element.count], values: $0.element)) }
        tensors += (best?.weights ?? []).enumerated().map { ("best.\($0.offset)", WeightArray(shape: [$0.element.count], values: $0.element)) }
        let temporary = folder.appendingPathComponent("weights.tmp")
        try SafeTensors.write(tensors, to: temporary.path)
        _ = try? FileManager.default.removeItem(at: weights)
        try FileManager.default.moveItem(at: temporary, to: weights)
        let rows: [JSONValue] = history.rows.map { r in
            .array([Double(r.epoch), r.trainLoss, r.valLoss, r.trainAccuracy, r.valAccuracy, r.trainAUC, r.valAUC, r.learningRate, r.seconds]
                .map { $0.isFinite ? JSONValue.number($0) : .null })
        }
        let state: JSONValue = .object([
            "epoch": .number(Double(epoch)), "step": .number(Double(step)),
            "best_epoch": .number(Double(best?.epoch ?? 0)), "best_score": (best?.score).map(JSONValue.number) ?? .null, "history": .array(rows),
        ])
        // An undefined score (AUC of a one-class validation split) is written as null and read back as NaN.
        try Data(state.canonicalText.utf8).write(to: progress, options: .atomic)
    }

    /// The saved state when there is one whose tensors have the `expecting` sizes; nil otherwise.
    func load(expecting sizes: [Int]) -> Saved? {
        guard let data = FileManager.default.contents(atPath: progress.path),
              let state = try? JSONValue.parse(data), let epoch = state["epoch"]?.intValue,
              let arrays = try? SafeTensors.read(path: weights.path).arrays else { return nil }
        let current = sizes.indices.compactMap { arrays["current.\($0)"]?.values }
        guard current.map(\.count) == sizes else { return nil }
        let best = sizes.indices.compactMap { arrays["best.\($0)"]?.values }
        var history = TrainingHistory()
        for row in state["history"]?.arrayValue ?? [] {
            let v = (row.arrayValue ?? []).map { $0.numberValue ?? .nan }
            guard v.count == 9 else { return nil }
            history.rows.append(.init(epoch: Int(v[0]), trainLoss: v[1], valLoss: v[2], trainAccuracy: v[3], valAccuracy: v[4],
                                      trainAUC: v[5], valAUC: v[6], learningRate: v[7], seconds: v[8]))
        }
        return Saved(epoch: epoch, step: state["step"]?.intValue ?? 0, current: current,
                     best: best.count == sizes.count ? best : nil, bestScore: state["best_score"]?.numberValue ?? .nan,
                     bestEpoch: state["best_epoch"]?.intValue ?? 0, history: history)
    }
}
