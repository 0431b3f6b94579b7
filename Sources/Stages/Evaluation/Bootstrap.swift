/// Percentile confidence intervals by resampling whole groups (patients) with replacement.
///
/// Resampling patients, not images, keeps a patient's correlated images together, as a new test set of
/// patients would.
public enum Bootstrap {
    /// For each statistic `statistic` returns, the `level` percentile interval over `resamples` draws.
    ///
    /// `groups[i]` is the group of item `i`; `statistic` gets the item indices of one resample and may
    /// leave out a value it cannot compute (say, AUC when one class is missing).
    public static func intervals<R: RandomNumberGenerator>(
        groups: [String], resamples: Int, level: Double = 0.95, using generator: inout R,
        statistic: ([Int]) -> [String: Double]
    ) -> [String: ClosedRange<Double>] {
        var members: [String: [Int]] = [:]
        for (index, group) in groups.enumerated() { members[group, default: []].append(index) }
        let ids = members.keys.sorted()
        guard !ids.isEmpty, resamples > 0 else { return [:] }
        var draws: [String: [Double]] = [:]
        for _ in 0..<resamples {
            var sample: [Int] = []
            for _ in ids.indices { sample += members[ids[Int(generator.next() % UInt64(ids.count))]]! }
            for (name, value) in statistic(sample) where value.isFinite { draws[name, default: []].append(value) }
        }
        let tail = (1 - level) / 2
        return draws.mapValues { values in
            let sorted = values.sorted()
            return percentile(sorted, tail)...percentile(sorted, 1 - tail)
        }
    }

    /// Linear interpolation between order statistics (NumPy's default `percentile`).
    static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
    }
}
