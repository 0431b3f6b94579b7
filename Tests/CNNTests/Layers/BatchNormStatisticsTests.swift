import PipeBase
import XCTest
@testable import CNN

/// Batch-norm statistics of micro-batches, collected instead of updating the running averages and combined
/// into one update per step.
final class BatchNormStatisticsTests: XCTestCase {
    /// Runs `layer` in training mode on `rows x channels` values with `sink`, or updating its averages when nil.
    private func forward(_ layer: BatchNormLayer, _ values: [Float], rows: Int, sink: BatchNormStatistics?, shard: Int = 0) throws {
        let graph = Graph()
        graph.append(layer)
        graph.batchNormStatistics = sink
        sink?.shard = shard
        _ = try graph.forward(Tensor(shape: [rows, layer.channels], values: values), mode: .training)
    }

    private func bits(_ tensor: Tensor) -> [UInt32] { tensor.array.map(\.bitPattern) }

    /// One shard collected and applied gives exactly the kernel's own update, so `shards: 1` keeps today's numbers.
    func testOneShardReproducesTheKernelsUpdateBitForBit() throws {
        var random = TestRandom(seed: 3)
        let values = random.array(7 * 5, scale: 3).map { $0 + 40 }
        let direct = BatchNormLayer(name: "bn", channels: 5, momentum: 0.01), collected = BatchNormLayer(name: "bn", channels: 5, momentum: 0.01)
        for layer in [direct, collected] {
            layer.runningMean.copy(from: Tensor(shape: [5], values: [0.5, -1, 2, 0, 3]))
            layer.runningVariance.copy(from: Tensor(shape: [5], values: [1, 2, 0.5, 4, 1.5]))
        }
        try forward(direct, values, rows: 7, sink: nil)
        let sink = BatchNormStatistics()
        try forward(collected, values, rows: 7, sink: sink)
        XCTAssertEqual(collected.runningMean.array, [0.5, -1, 2, 0, 3], "collecting leaves the running averages alone")
        XCTAssertEqual(sink.entry(collected, shard: 0)?.rows, 7)
        BatchNormStatistics.apply(sink.flattened(layers: [collected], shards: 0..<1), to: [collected], shards: 1)
        XCTAssertEqual(bits(collected.runningMean), bits(direct.runningMean))
        XCTAssertEqual(bits(collected.runningVariance), bits(direct.runningVariance))
        XCTAssertNotEqual(direct.runningMean.array, [0.5, -1, 2, 0, 3])
    }

    /// Shards of 3, 5, 0 and 4 rows combine into the mean and unbiased variance of all 12 rows (Double reference).
    func testShardsCombineIntoTheStatisticsOfAllRows() throws {
        var random = TestRandom(seed: 9)
        let channels = 3, sizes = [3, 5, 0, 4]
        let shards = sizes.map { random.array($0 * channels, scale: 2).map { $0 * 5 + 100 } }
        let layer = BatchNormLayer(name: "bn", channels: channels, momentum: 1)
        let sink = BatchNormStatistics()
        for (index, values) in shards.enumerated() where !values.isEmpty {
            try forward(layer, values, rows: sizes[index], sink: sink, shard: index)
        }
        let block = sink.flattened(layers: [layer], shards: 0..<2) + sink.flattened(layers: [layer], shards: 2..<4)
        BatchNormStatistics.apply(block, to: [layer], shards: 4)
        let all = shards.flatMap { $0 }.map(Double.init), n = Double(all.count / channels)
        for c in 0..<channels {
            let column = stride(from: c, to: all.count, by: channels).map { all[$0] }
            let mean = column.reduce(0, +) / n
            let variance = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)
            // Momentum 1: the running averages are the combined statistics themselves.
            XCTAssertEqual(Double(layer.runningMean.array[c]), mean, accuracy: 1e-5 * abs(mean))
            XCTAssertEqual(Double(layer.runningVariance.array[c]), variance, accuracy: 1e-5 * variance)
        }
        let entries = (0..<4).compactMap { sink.entry(layer, shard: $0) }
        XCTAssertEqual(entries.map(\.rows), [3, 5, 4])
        // Not vacuous: the shards' means differ enough that leaving out the between-shard part is visibly wrong.
        let within = entries.map { $0.squaredDeviations[0] }.reduce(0, +) / (n - 1)
        XCTAssertGreaterThan(abs(within - Double(layer.runningVariance.array[0])), 1e-3 * within)
        XCTAssertNil(BatchNormStatistics.combine([BatchNormStatistics.Entry(rows: 0, mean: [0], squaredDeviations: [0])]))
    }

    /// The units of a dense block report their statistics too, and leave their averages alone while collecting.
    func testDenseBlockUnitsReportTheirStatistics() throws {
        let norm1 = BatchNormLayer(name: "n1", channels: 2), norm2 = BatchNormLayer(name: "n2", channels: 4)
        let unit = DenseBlockLayer.Unit(norm1: norm1, conv1: Conv2DLayer(name: "c1", inChannels: 2, outChannels: 4, window: WindowGeometry(kernel: 1), seed: 1),
                                        norm2: norm2, conv2: Conv2DLayer(name: "c2", inChannels: 4, outChannels: 3, window: WindowGeometry(kernel: 3, padding: 1), seed: 2))
        let block = try DenseBlockLayer(name: "block", inputChannels: 2, units: [unit])
        let graph = Graph()
        graph.append(block)
        let sink = BatchNormStatistics()
        graph.batchNormStatistics = sink
        sink.shard = 1
        var random = TestRandom(seed: 4)
        _ = try graph.forward(Tensor(shape: [2, 3, 3, 2], values: random.array(36)), mode: .training)
        XCTAssertEqual(sink.entry(norm1, shard: 1)?.rows, 18)
        XCTAssertEqual(sink.entry(norm2, shard: 1)?.rows, 18)
        XCTAssertEqual(norm1.runningMean.array, [0, 0])
        XCTAssertEqual(norm2.runningVariance.array, [1, 1, 1, 1])
    }

    /// Dropout draws from the stream a trainer sets, whatever number of passes the layer ran before.
    func testDropoutMasksFollowTheStreamNotTheCallCount() throws {
        func output(_ layer: DropoutLayer, stream: UInt64?) throws -> [Float] {
            let graph = Graph()
            graph.append(layer)
            graph.dropoutStream = stream
            return try graph.forward(Tensor(shape: [4, 8], values: [Float](repeating: 1, count: 32)), mode: .training).array
        }
        let fresh = DropoutLayer(name: "d", rate: 0.5, seed: 7), used = DropoutLayer(name: "d", rate: 0.5, seed: 7)
        for stream in 0..<3 { _ = try output(used, stream: UInt64(stream)) }
        XCTAssertEqual(try output(used, stream: 9), try output(fresh, stream: 9))
        XCTAssertNotEqual(try output(fresh, stream: 9), try output(fresh, stream: 10))
        // Without a stream the layer counts its passes, as before: pass 0 draws what stream 0 draws.
        XCTAssertEqual(try output(DropoutLayer(name: "d", rate: 0.5, seed: 7), stream: nil), try output(fresh, stream: 0))
    }
}
