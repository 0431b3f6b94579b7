import Foundation

/// Turns one stage's progress reports into a line per finished epoch, for output that is not a terminal
/// (CI and Slurm logs): `epoch 2/10 · loss 0.6931 · val_loss 0.6543 · lr 0.001 · 37.2 images/s · ETA 0:09`.
public struct EpochLines: Sendable {
    private var first: (at: Date, done: Int, total: Int)?
    private var written: Int?

    public init() {}

    /// The line for `progress` when it carries an epoch not yet written; nil otherwise. The rate counts
    /// from the first report of the same total (a stage's earlier phase, such as caching features, counts
    /// something else), so the work a resumed stage had already done does not inflate it.
    public mutating func line(for progress: StageProgress, at now: Date = Date()) -> String? {
        if first == nil || first!.total != progress.total { first = (now, progress.done, progress.total) }
        guard let epoch = progress.epoch, epoch.number != written else { return nil }
        written = epoch.number
        var parts = ["epoch \(epoch.number)/\(epoch.of)"]
        parts += epoch.scores.map { "\($0.name) \(Self.format($0))" }
        let elapsed = now.timeIntervalSince(first!.at)
        if elapsed > 0, progress.done > first!.done {
            let rate = Double(progress.done - first!.done) / elapsed
            parts.append(String(format: rate < 10 ? "%.2f" : "%.1f", rate) + " " + (progress.unit.isEmpty ? "steps" : progress.unit) + "/s")
            if progress.done < progress.total { parts.append("ETA " + StageProgress.clock(Double(progress.total - progress.done) / rate)) }
        }
        return parts.joined(separator: " · ")
    }

    /// Learning rates in `%g` (they span decades); scores with four decimals.
    private static func format(_ score: StageProgress.Epoch.Score) -> String {
        guard score.value.isFinite else { return "-" }
        return score.name == "lr" ? String(format: "%g", score.value) : String(format: "%.4f", score.value)
    }
}
