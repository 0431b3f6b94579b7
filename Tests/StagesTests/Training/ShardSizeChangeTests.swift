import CNN
import Models
import PipeBase
import PipeSpec
@testable import Stages
import XCTest

/// A sharded step whose micro-batches change size from one batch to the next (a short final batch: shards of
/// 4, 4 and then 2, 2 rows) against separate passes over the same micro-batches on a model that never saw
/// another size: layers reuse their buffers "while shapes stay the same", so a buffer kept from the wider
/// shards would show up here. The DenseNet is small but has the shape of DenseNet121 at 32 px: its last dense
/// block and final batch norm run on 1x1 maps, so a 2-row shard gives them 2 rows.
final class ShardSizeChangeTests: XCTestCase {
    private struct Network {
        let model: Model
        let head: ClassifierHead
        var trainable: [Parameter] { (model.backboneParameters + head.parameters).filter { !$0.isFrozen } }
        var batchNorms: [BatchNormLayer] { model.graph.allLayers.compactMap { $0 as? BatchNormLayer } }

        init(size: Int, denseNet: DenseNetConfig?) throws {
            model = try Model(architecture: .densenet121, variant: .keras,
                              options: ModelOptions(includeTop: false, inputHeight: size, inputWidth: size, denseNet: denseNet, seed: 1))
            head = try ClassifierHead(spec: [["layer": "global_average_pool"], ["layer": "dense", "units": 2]],
                                      features: model.featureCount, classes: 2, seed: 11, stage: "train")
            head.attach(to: model)
        }
    }

    /// Images keyed by path, `size x size x 3`, and the batch of some of them.
    private var images: [String: [Float]] = [:]
    private var size = 16

    private func batch(_ rows: [ManifestEntry]) -> Tensor {
        Tensor(shape: [rows.count, size, size, 3], values: rows.flatMap { images[$0.path]! })
    }

    /// A small DenseNet at 16 px: 4x4, 2x2 and 1x1 blocks.
    func testShardsOfAShortBatchMatchSeparatePassesOverTheSameRows() throws {
        try compareShortBatch(size: 16, denseNet: DenseNetConfig(blocks: [2, 1, 2], growthRate: 4, initialFeatures: 8))
    }

    /// DenseNet121 itself at 32 px, as in the pipeline that diverged (its 16-unit last block on 1x1 maps).
    func testDenseNet121ShardsOfAShortBatchMatchSeparatePasses() throws {
        try compareShortBatch(size: 32, denseNet: nil)
    }

    private func compareShortBatch(size: Int, denseNet: DenseNetConfig?) throws {
        self.size = size
        var random = TestRandom(seed: 8)
        let rows = (0..<12).map { ManifestEntry(path: "image-\($0)", label: $0 % 2 == 0 ? "benign" : "malignant") }
        for row in rows { images[row.path] = (0..<(size * size * 3)).map { _ in Float(random.next() % 2001) / 1000 - 1 } }
        let labels = rows.indices.map { Int32($0 % 2) }

        let sharded = try Network(size: size, denseNet: denseNet)
        let step = ShardedStep(plan: try ShardPlan(shards: 2, ranks: 1, rank: 0, stage: "train"), communicator: SingleProcess(),
                               graph: sharded.model.graph, batchNorms: sharded.batchNorms, trainable: sharded.trainable,
                               loss: SoftmaxCrossEntropy(), classes: 2, backward: { sharded.model.graph.backward($0) })
        let forward: ([ManifestEntry]) throws -> Tensor = { try sharded.model.graph.forward(self.batch($0), mode: .training) }
        // A full batch of 8 (shards of 4, 4), then the short batch of 4 (shards of 2, 2).
        _ = try step.run(Array(rows[0..<8]), labels: Array(labels[0..<8]), step: 0, forward: forward)
        let outcome = try step.run(Array(rows[8..<12]), labels: Array(labels[8..<12]), step: 1, forward: forward)
        XCTAssertEqual(outcome.losses.map(\.rows), [2, 2])

        // The reference: the same weights (no optimizer step ran), each 2-row shard as one plain pass.
        let reference = try Network(size: size, denseNet: denseNet)
        let loss = SoftmaxCrossEntropy()
        var contributions: [[Float]] = []
        var losses: [Float] = []
        for range in [8..<10, 10..<12] {
            let logits = try reference.model.graph.forward(batch(Array(rows[range])), mode: .training)
            losses.append(try loss.forward(logits: logits, labels: Array(labels[range])))
            reference.model.graph.backward(loss.backward())
            contributions.append(reference.trainable.flatMap { $0.gradient.array.map { Float(2) / Float(4) * $0 } })
        }
        let expected = OrderedReduction.sequential(contributions)
        let actual = sharded.trainable.flatMap(\.gradient.array)
        XCTAssertEqual(actual.count, expected.count)
        XCTAssertTrue(actual.allSatisfy(\.isFinite), "the combined gradient is finite")
        XCTAssertEqual(outcome.losses.map(\.value.bitPattern), losses.map(\.bitPattern), "each shard's loss is that of a plain pass over its rows")
        let mismatches = zip(actual, expected).enumerated().filter { $0.element.0.bitPattern != $0.element.1.bitPattern }
        XCTAssertEqual(mismatches.count, 0, "first mismatches: \(mismatches.prefix(5).map { "\($0.offset): \($0.element.0) vs \($0.element.1)" })")
        for norm in sharded.batchNorms {
            XCTAssertTrue((norm.runningMean.array + norm.runningVariance.array).allSatisfy(\.isFinite), norm.name)
            XCTAssertTrue(norm.runningVariance.array.allSatisfy { $0 >= 0 }, norm.name)
        }
    }
}
