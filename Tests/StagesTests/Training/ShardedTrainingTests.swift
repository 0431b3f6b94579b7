import CNN
import Foundation
import Imaging
import Models
import PipeBase
@testable import PipeEngine
import PipeSpec
@testable import Stages
import XCTest

/// Data-parallel fine-tuning: a batch cut into `shards` micro-batches gives the same bits on 1, 2 or 4 ranks
/// (in-process thread ranks), with batch norms in the backbone and the head, dropout and online augmentation.
final class ShardedTrainingTests: XCTestCase {
    var folder: URL!
    var rows: [ManifestEntry] = []

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("sharded-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var random = TestRandom(seed: 5)
        rows = []
        for image in 0..<16 {
            let malignant = image % 2 == 1
            let bytes = (0..<(24 * 24 * 3)).map { i in
                UInt8(truncatingIfNeeded: (malignant ? (i / 3) % 24 * 9 : (i % 3) * 70) + Int(random.next() % 60))
            }
            let url = folder.appendingPathComponent("\(image).png")
            try PNGCodec.write(try Image(width: 24, height: 24, format: .rgb8, bytes: bytes), to: url)
            rows.append(ManifestEntry(path: url.path, sha256: "image-\(image)", label: malignant ? "malignant" : "benign",
                                      patient: "p\(image)", split: image < 12 ? .train : .val))
        }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// What a run ends with: every trainable weight and batch-norm statistic, and the history without times.
    struct Result: Equatable, CustomStringConvertible {
        var state: [[UInt32]]
        var history: [[UInt64]]

        /// FNV-1a over every bit pattern of `state`, in order.
        var digest: UInt64 { state.joined().reduce(UInt64(0xCBF2_9CE4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 } }

        /// Short enough for a failure message: the tensor count, a digest of their bits and the history.
        var description: String {
            let rows = history.map { row in row.map { String(Double(bitPattern: $0)) }.joined(separator: " ") }
            return "\(state.count) tensors, digest \(String(digest, radix: 16)), history \(rows)"
        }
    }

    /// Fine-tunes a small DenseNet (batch norms in its stem, dense block units and transition) with a head of
    /// batch norm, dropout and dense on `ranks` thread ranks; `resume` names a resume folder shared by runs.
    func train(shards: Int, ranks: Int, epochs: Int = 2, resume: String? = nil, freeze: JSONValue = "none",
               augment: Bool = true) throws -> Result {
        let with: JSONValue = [
            "image_size": 24, "freeze": freeze, "epochs": .number(Double(epochs)), "batch_size": 5, "shards": .number(Double(shards)),
            "optimizer": ["name": "sgd", "lr": 0.05, "momentum": 0],
            "head": [["layer": "global_average_pool"], ["layer": "batch_norm"], ["layer": "dropout", "rate": 0.5], ["layer": "dense", "units": 2]],
            "online_augment": augment ? [["op": "flip_horizontal", "p": 0.5], ["op": "rotate90", "p": 0.5]] : [],
        ]
        let parameters = try FineTuneParameters(reading: ParameterReader(StageSpec(name: "train", declaredName: "train", kind: "fine-tune", with: with)))
        let run = folder.appendingPathComponent(resume ?? "run-\(UUID().uuidString)")
        let (rows, folder) = (self.rows, self.folder!)
        let results = try ThreadGroup.run(ranks: ranks) { communicator -> Result in
            let model = try Model(architecture: .densenet121, variant: .keras,
                                  options: ModelOptions(includeTop: false, inputHeight: 24, inputWidth: 24,
                                                        denseNet: DenseNetConfig(blocks: [2, 1], growthRate: 4, initialFeatures: 8), seed: 1))
            let head = try ClassifierHead(spec: .array(parameters.head.map(\.json)), features: model.featureCount, classes: 2, seed: 11, stage: "train")
            let context = StageContext(output: run.appendingPathComponent("out"), committedOutput: run.appendingPathComponent("out"),
                                       resumeFolder: run.appendingPathComponent("resume"), work: run.appendingPathComponent("work-\(communicator.rank)"),
                                       inputs: [:], pipeline: PipelineContext(name: "t", directory: folder, seed: 3), onProgress: { _ in })
            context.communicator = communicator
            let (trainer, _) = try FineTuneStage.trainer(stage: "train", parameters: parameters, model: model, head: head,
                                                         classes: ["benign", "malignant"], train: rows.filter { $0.split == .train },
                                                         val: rows.filter { $0.split == .val }, seed: 3, context: context)
            let history = try trainer.fit()
            let norms = (model.graph.allLayers + head.layers).compactMap { $0 as? BatchNormLayer }
            let tensors = trainer.trainable.map(\.value) + norms.flatMap { [$0.runningMean, $0.runningVariance] }
            return Result(state: tensors.map { $0.array.map(\.bitPattern) },
                          history: history.rows.map { row in
                              [Double(row.epoch), row.trainLoss, row.valLoss, row.trainAccuracy, row.valAccuracy, row.trainAUC, row.valAUC,
                               row.learningRate].map(\.bitPattern)
                          })
        }
        for result in results.dropFirst() { XCTAssertEqual(result, results[0], "every rank ends with rank 0's weights and metrics") }
        return results[0]
    }

    func testTwoShardsGiveTheSameBitsOnOneAndTwoRanks() throws {
        let one = try train(shards: 2, ranks: 1), two = try train(shards: 2, ranks: 2)
        XCTAssertEqual(one.history.count, 2)
        XCTAssertGreaterThan(one.state.count, 20, "backbone and head weights and statistics are compared")
        XCTAssertEqual(one, two)
        // Not vacuous: the shards change the arithmetic (each normalises with its own batch statistics).
        let whole = try train(shards: 1, ranks: 1)
        XCTAssertNotEqual(whole.state, one.state)
        XCTAssertNotEqual(whole.history, one.history)
    }

    func testFourShardsGiveTheSameBitsOnOneTwoAndFourRanks() throws {
        // Batches of 5, 5 and 2 rows: the last batch leaves two of the four shards empty.
        let one = try train(shards: 4, ranks: 1)
        XCTAssertEqual(try train(shards: 4, ranks: 2), one)
        XCTAssertEqual(try train(shards: 4, ranks: 4), one)
        XCTAssertNotEqual(try train(shards: 2, ranks: 2).state, one.state)
    }

    /// A run killed after epoch 1 on two ranks resumes on one rank and ends where an uninterrupted run ends.
    func testResumeWorksWithAnotherRankCount() throws {
        let uninterrupted = try train(shards: 2, ranks: 2)
        _ = try train(shards: 2, ranks: 2, epochs: 1, resume: "killed")
        let resumed = try train(shards: 2, ranks: 1, epochs: 2, resume: "killed")
        XCTAssertEqual(resumed, uninterrupted)
    }

    /// The cached-feature paths: a frozen backbone (the head trains alone on cached features) and a frozen
    /// prefix (`freeze: until`), each rank computing its own cache.
    func testCachedFeaturePathsGiveTheSameBitsOnTwoRanks() throws {
        for freeze: JSONValue in ["backbone", ["until": "conv2"]] {
            let one = try train(shards: 2, ranks: 1, freeze: freeze, augment: false)
            XCTAssertEqual(try train(shards: 2, ranks: 2, freeze: freeze, augment: false), one, "\(freeze)")
            XCTAssertNotEqual(try train(shards: 1, ranks: 1, freeze: freeze, augment: false).state, one.state, "\(freeze)")
        }
    }

    /// `shards: 1` keeps the numbers of the trainer before shards existed: digests and histories recorded from
    /// commit 0781443 (the same runs built the way its FineTuneStage built them), with batch norm, dropout and
    /// online augmentation, and on cached features of a frozen backbone.
    func testOneShardKeepsThePreviousTrainersBits() throws {
        let recorded: [(freeze: JSONValue, augment: Bool, tensors: Int, digest: UInt64, history: [[UInt64]])] = [
            ("none", true, 52, 0xf48394aa5a5754bc,
             [[4607182418800017408, 4607291885503905792, 4604849036826309740, 4601177619296856747, 4602678819172646912, 4602929019151945273, 4607182418800017408, 4587366580546961408],
              [4611686018427387904, 4600713116973181611, 4601675368319633500, 4605681218924227243, 4604930618986332160, 4606431818862122325, 4607182418800017408, 4587366580546961408]]),
            ("backbone", false, 24, 0xd006e6611c5e8f5e,
             [[4607182418800017408, 4605387100760571904, 4604662266392952533, 4604930618986332160, 4602678819172646912, 4604180019048437077, 4607182418800017408, 4587366580546961408],
              [4611686018427387904, 4604270710526487211, 4603869088728697484, 4602678819172646912, 4602678819172646912, 4604680419007033799, 4607182418800017408, 4587366580546961408]]),
        ]
        for run in recorded {
            let result = try train(shards: 1, ranks: 1, freeze: run.freeze, augment: run.augment)
            XCTAssertEqual(result.state.count, run.tensors)
            XCTAssertEqual(result.digest, run.digest, "\(run.freeze): \(result)")
            XCTAssertEqual(result.history, run.history, "\(run.freeze)")
        }
    }

    func testShardsMustBeAMultipleOfTheRanks() throws {
        XCTAssertThrowsError(try train(shards: 3, ranks: 2)) { error in
            XCTAssertEqual("\(error)", "stage `train`: `shards: 3` cannot be shared by `resources.ranks: 2` ranks: shards must be a multiple of the rank count (e.g. shards: 4)")
        }
    }

    func testShardRangesAreContiguousAndBalanced() {
        XCTAssertEqual(ShardPlan.ranges(count: 5, shards: 2), [0..<3, 3..<5])
        XCTAssertEqual(ShardPlan.ranges(count: 2, shards: 4), [0..<1, 1..<2, 2..<2, 2..<2])
        XCTAssertEqual(ShardPlan.ranges(count: 8, shards: 4), [0..<2, 2..<4, 4..<6, 6..<8])
    }
}
