import CNN
import Dispatch
import PipeBase

/// One training step over the shards of a batch: this rank's shards run forward and backward one at a time
/// (batch norms normalising with each shard's own statistics, dropout drawing from the step and shard), then
/// the ranks combine, in shard order, the row-weighted gradients (`OrderedReduction`), the batch-norm
/// statistics (one running-average update per step) and each shard's loss and probabilities. Every rank ends
/// with the same gradients, running averages and metrics, bit for bit, whatever the number of ranks.
struct ShardedStep {
    let plan: ShardPlan
    let communicator: any Communicator
    let graph: Graph
    let batchNorms: [BatchNormLayer]
    let trainable: [Parameter]
    let loss: SoftmaxCrossEntropy
    let classes: Int
    let backward: (Tensor) -> Void

    /// Every shard's mean loss, row count and per-row probabilities, in shard order.
    struct Outcome {
        var losses: [(value: Float, rows: Int)] = []
        var probabilities: [[Double]] = []
        /// Seconds this rank spent in its shards' passes, and in combining with the other ranks.
        var computeSeconds = 0.0, exchangeSeconds = 0.0
        /// The trained batch norm that normalised the fewest values per channel in one of this rank's shards.
        var thinnestNormalisation: (layer: String, values: Int)?
    }

    /// Runs the step's passes on `rows` (the whole batch, labels alongside) and leaves the combined gradient in
    /// the trainable parameters' gradients; `forward` is the training pass of a shard's rows.
    func run(_ rows: [ManifestEntry], labels: [Int32], step: Int,
             forward: ([ManifestEntry]) throws -> Tensor) throws -> Outcome {
        let ranges = ShardPlan.ranges(count: rows.count, shards: plan.shards)
        let widest = ranges.map(\.count).max() ?? 0
        let statistics = BatchNormStatistics()
        graph.batchNormStatistics = statistics
        defer {
            graph.batchNormStatistics = nil
            graph.dropoutStream = nil
        }
        let length = trainable.reduce(0) { $0 + $1.gradient.count }
        var contributions: [[Float]] = []
        // Per shard: the mean loss, then `widest * classes` probabilities (zero-padded), so blocks have one size.
        var record: [Double] = []
        let started = DispatchTime.now().uptimeNanoseconds
        for shard in plan.mine {
            let range = ranges[shard]
            statistics.shard = shard
            graph.dropoutStream = UInt64(step) &* UInt64(plan.shards) &+ UInt64(shard)
            guard !range.isEmpty else {
                contributions.append([Float](repeating: 0, count: length))
                record += [Double](repeating: 0, count: 1 + widest * classes)
                continue
            }
            let logits = try forward(Array(rows[range]))
            let value = try loss.forward(logits: logits, labels: Array(labels[range]))
            record.append(Double(value))
            let probabilities = loss.probabilities.map { Array(UnsafeBufferPointer(start: $0.data, count: $0.count)) } ?? []
            record += probabilities.map(Double.init) + [Double](repeating: 0, count: widest * classes - probabilities.count)
            backward(loss.backward())
            contributions.append(weightedGradient(Float(range.count) / Float(rows.count), length: length))
        }
        let computed = DispatchTime.now().uptimeNanoseconds
        scatter(try OrderedReduction.sum(contributions, over: communicator))
        let gathered = try communicator.allgather(statistics.flattened(layers: batchNorms, shards: plan.mine))
        BatchNormStatistics.apply(gathered, to: batchNorms, shards: plan.shards)
        let records = try communicator.allgather(record)
        var outcome = Outcome()
        for layer in batchNorms {
            for shard in plan.mine {
                guard let rows = statistics.entry(layer, shard: shard)?.rows, rows > 0 else { continue }
                if rows < outcome.thinnestNormalisation?.values ?? .max { outcome.thinnestNormalisation = (layer.name, rows) }
            }
        }
        outcome.computeSeconds = Double(computed - started) / 1e9
        outcome.exchangeSeconds = Double(DispatchTime.now().uptimeNanoseconds - computed) / 1e9
        for (shard, range) in ranges.enumerated() where !range.isEmpty {
            let offset = shard * (1 + widest * classes)
            outcome.losses.append((Float(records[offset]), range.count))
            for row in 0..<range.count {
                let start = offset + 1 + row * classes
                outcome.probabilities.append(Array(records[start..<(start + classes)]))
            }
        }
        return outcome
    }

    /// `weight` times the trainable parameters' gradients, flattened in parameter order.
    private func weightedGradient(_ weight: Float, length: Int) -> [Float] {
        var flat = [Float](repeating: 0, count: length)
        flat.withUnsafeMutableBufferPointer { buffer in
            var offset = 0
            for parameter in trainable {
                let gradient = parameter.gradient.data
                for i in 0..<parameter.gradient.count { buffer[offset + i] = weight * gradient[i] }
                offset += parameter.gradient.count
            }
        }
        return flat
    }

    /// Writes a flattened gradient back into the trainable parameters' gradients.
    private func scatter(_ flat: [Float]) {
        flat.withUnsafeBufferPointer { buffer in
            var offset = 0
            for parameter in trainable {
                parameter.gradient.data.update(from: buffer.baseAddress! + offset, count: parameter.gradient.count)
                offset += parameter.gradient.count
            }
        }
    }
}
