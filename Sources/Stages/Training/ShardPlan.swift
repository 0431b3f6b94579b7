import PipeBase

/// How a batch is cut into `shards` micro-batches and which of them this rank runs: the shards define the
/// arithmetic, the ranks only share it out (rank `r` runs shards `r * L ..< (r + 1) * L`, `L = shards / ranks`).
struct ShardPlan: Equatable {
    let shards: Int
    let ranks: Int
    let rank: Int

    /// Throws unless `ranks` divides `shards`.
    init(shards: Int, ranks: Int, rank: Int, stage: String) throws {
        guard shards >= 1, ranks >= 1, shards % ranks == 0 else {
            throw StageError.misconfigured(stage: stage, reason: "`shards: \(shards)` cannot be shared by `resources.ranks: \(ranks)` ranks: "
                                           + "shards must be a multiple of the rank count (e.g. shards: \(ranks * max(1, (shards + ranks - 1) / ranks)))")
        }
        self.shards = shards
        self.ranks = ranks
        self.rank = rank
    }

    /// The shards each rank runs.
    var perRank: Int { shards / ranks }
    /// This rank's shards.
    var mine: Range<Int> { (rank * perRank)..<((rank + 1) * perRank) }
    /// Whether the batch runs as one pass in one process, as before shards existed.
    var isWhole: Bool { shards == 1 }

    /// The row ranges of the shards of a batch of `count` rows: contiguous, in order, the first `count % shards`
    /// one row longer; shards beyond `count` rows are empty.
    static func ranges(count: Int, shards: Int) -> [Range<Int>] {
        let base = count / shards, extra = count % shards
        var start = 0
        return (0..<shards).map { index in
            let length = base + (index < extra ? 1 : 0)
            defer { start += length }
            return start..<(start + length)
        }
    }
}
