/// Collects the batch statistics that training-mode batch norms compute on micro-batches ("shards") of one
/// step, instead of letting each micro-batch move the running averages, and applies them afterwards as one
/// update per step, combined in shard order.
///
/// Set it on a graph (`Graph.batchNormStatistics`); before each micro-batch's forward pass set `shard`. A trainer
/// whose shards run in several processes exchanges `flattened(layers:shards:)` blocks and applies the
/// concatenation with `apply(_:to:shards:)`, so every process ends with the same running averages.
public final class BatchNormStatistics {
    /// One layer's statistics on one micro-batch.
    public struct Entry: Equatable {
        public var rows: Int
        public var mean: [Double]
        /// The sum over rows of `(x - mean)^2`, per channel.
        public var squaredDeviations: [Double]

        public init(rows: Int, mean: [Double], squaredDeviations: [Double]) {
            self.rows = rows
            self.mean = mean
            self.squaredDeviations = squaredDeviations
        }
    }

    /// The micro-batch the next forward pass computes.
    public var shard = 0
    private var entries: [ObjectIdentifier: [Int: Entry]] = [:]

    public init() {}

    /// Forgets everything recorded (before the next step).
    public func reset() { entries = [:] }

    /// Records `layer`'s statistics for the current shard (called by the batch-norm layers).
    public func record(_ layer: BatchNormLayer, mean: [Double], squaredDeviations: [Double], rows: Int) {
        entries[ObjectIdentifier(layer), default: [:]][shard] = Entry(rows: rows, mean: mean, squaredDeviations: squaredDeviations)
    }

    /// What `layer` recorded for `shard`, if it ran on it.
    public func entry(_ layer: BatchNormLayer, shard: Int) -> Entry? { entries[ObjectIdentifier(layer)]?[shard] }

    /// The floats of one shard and layer in `flattened`: the row count, then mean and squared deviations.
    public static func width(of layer: BatchNormLayer) -> Int { 1 + 2 * layer.channels }

    /// The recorded statistics as one block: for each shard in order, for each layer in order, the row count,
    /// the means and the squared deviations; a layer that did not run on a shard (an empty shard) has 0 rows.
    public func flattened(layers: [BatchNormLayer], shards: Range<Int>) -> [Double] {
        var block: [Double] = []
        block.reserveCapacity(shards.count * layers.reduce(0) { $0 + Self.width(of: $1) })
        for shard in shards {
            for layer in layers {
                if let entry = entry(layer, shard: shard) {
                    block.append(Double(entry.rows))
                    block += entry.mean
                    block += entry.squaredDeviations
                } else {
                    block += [Double](repeating: 0, count: Self.width(of: layer))
                }
            }
        }
        return block
    }

    /// Reads `flattened` blocks of `shards` shards (concatenated in shard order) back into entries.
    public static func entries(_ block: [Double], layers: [BatchNormLayer], shards: Int) -> [[Entry]] {
        var offset = 0
        var result = [[Entry]](repeating: [], count: layers.count)
        for _ in 0..<shards {
            for (index, layer) in layers.enumerated() {
                let c = layer.channels
                result[index].append(Entry(rows: Int(block[offset]), mean: Array(block[(offset + 1)..<(offset + 1 + c)]),
                                           squaredDeviations: Array(block[(offset + 1 + c)..<(offset + 1 + 2 * c)])))
                offset += Self.width(of: layer)
            }
        }
        return result
    }

    /// The statistics of the union of the shards' rows, combined in shard order: the row-weighted mean of the
    /// means, and the squared deviations within each shard plus those of each shard's mean from the total mean.
    /// For a single shard this returns its own values unchanged.
    public static func combine(_ shards: [Entry]) -> Entry? {
        let present = shards.filter { $0.rows > 0 }
        guard let first = present.first else { return nil }
        let rows = present.reduce(0) { $0 + $1.rows }
        let total = Double(rows)
        var mean = first.mean.map { $0 * (Double(first.rows) / total) }
        for entry in present.dropFirst() {
            let weight = Double(entry.rows) / total
            for c in mean.indices { mean[c] += entry.mean[c] * weight }
        }
        var squares = first.squaredDeviations
        for (index, entry) in present.enumerated() {
            for c in mean.indices {
                let d = entry.mean[c] - mean[c]
                if index > 0 { squares[c] += entry.squaredDeviations[c] }
                if present.count > 1 { squares[c] += Double(entry.rows) * (d * d) }
            }
        }
        return Entry(rows: rows, mean: mean, squaredDeviations: squares)
    }

    /// Applies one momentum update per layer from `block`: `flattened` blocks of `shards` shards in shard order.
    public static func apply(_ block: [Double], to layers: [BatchNormLayer], shards: Int) {
        for (layer, perShard) in zip(layers, entries(block, layers: layers, shards: shards)) {
            guard let combined = combine(perShard) else { continue }
            batchNormUpdateRunning(runningMean: layer.runningMean.data, runningVariance: layer.runningVariance.data,
                                   mean: combined.mean, squaredDeviations: combined.squaredDeviations,
                                   rows: combined.rows, momentum: layer.momentum)
        }
    }
}
