import CNN
import Foundation
import XCTest
@testable import Stages

/// Divergence ends a run with an error: clipped steps, evaluate's probability guard, and JSON summaries.
final class DivergenceGuardTests: XCTestCase {
    func testEvaluateRefusesNonFiniteProbabilities() {
        let rows = ["a.png", "b.png", "c.png"].map { ManifestEntry(path: $0) }
        XCTAssertNoThrow(try EvaluateStage.requireFinite([[0.3, 0.7], [1, 0], [0.5, 0.5]], of: rows, stage: "eval"))
        XCTAssertThrowsError(try EvaluateStage.requireFinite([[0.3, 0.7], [.nan, .nan], [.infinity, 0]], of: rows, stage: "eval")) { error in
            XCTAssertEqual("\(error)", "stage `eval`: the model gives NaN or infinite probabilities for 2 of 3 images (e.g. b.png); its weights diverged: fine-tune again with a lower optimizer.lr or with optimizer.clip_norm")
        }
    }

    /// Gradients (3, 4) and (12) have global norm 13; clipped to 1, a plain SGD step of rate 2 moves the weights by 2.
    func testClipNormScalesTheStepToTheNorm() {
        func parameters() -> [Parameter] {
            let a = Parameter(name: "a", value: Tensor(shape: [2])), b = Parameter(name: "b", value: Tensor(shape: [1]))
            a.gradient.copy(from: Tensor(shape: [2], values: [3, 4]))
            b.gradient.copy(from: Tensor(shape: [1], values: [12]))
            return [a, b]
        }
        let clipped = parameters()
        Trainer.step(clipped, optimizer: SGD(), learningRate: 2, clipNorm: 1)
        let moved = clipped.flatMap(\.value.array)
        XCTAssertEqual(Double(moved.map { $0 * $0 }.reduce(0, +)).squareRoot(), 2, accuracy: 1e-5)
        for (value, expected) in zip(moved, [-6.0 / 13, -8.0 / 13, -24.0 / 13]) { XCTAssertEqual(Double(value), expected, accuracy: 1e-6) }
        let plain = parameters()
        Trainer.step(plain, optimizer: SGD(), learningRate: 2, clipNorm: nil)
        XCTAssertEqual(plain.flatMap(\.value.array), [-6, -8, -24])
        let loose = parameters()
        Trainer.step(loose, optimizer: SGD(), learningRate: 2, clipNorm: 20)
        XCTAssertEqual(loose.flatMap(\.value.array), [-6, -8, -24], "a norm under clip_norm is left alone")
    }

    func testTheWeightCheckFindsTheFirstNonFiniteTensor() {
        let finite = Tensor(shape: [3], values: [1, -3e38, .greatestFiniteMagnitude])
        XCTAssertNil(Trainer.firstNonFinite([("a", finite), ("b", Tensor(shape: [0]))]))
        let tensors = [("a", finite), ("b", Tensor(shape: [2], values: [0, .infinity])), ("c", Tensor(shape: [1], values: [.nan]))]
        XCTAssertEqual(Trainer.firstNonFinite(tensors), "b")
        XCTAssertEqual(Trainer.firstNonFinite([("c", Tensor(shape: [2], values: [1, -.nan]))]), "c")
    }

    func testJSONSummariesRefuseNaN() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("nan-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        XCTAssertThrowsError(try JSONFile.write(["rate": Double.nan], to: file)) { error in
            XCTAssertEqual(error as? StageError, .badInput(file: file.path, reason: "not written: rate is nan, which JSON cannot hold (NaN or infinity)"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: file.path))
        try JSONFile.write(["rate": 0.5], to: file)
        XCTAssertEqual(try String(contentsOf: file, encoding: .utf8), "{\n  \"rate\" : 0.5\n}")
    }
}

/// An undefined validation AUC (one class in val) survives a resume as NaN, not as 0 or a lost history.
final class ResumeStateNullTests: XCTestCase {
    func testUndefinedScoresAreWrittenAsNullAndReadBackAsNaN() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("resume-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var history = TrainingHistory()
        history.rows.append(.init(epoch: 1, trainLoss: 0.7, valLoss: 0.6, trainAccuracy: 0.5, valAccuracy: 1, trainAUC: 0.75, valAUC: .nan,
                                  learningRate: 0.001, seconds: 2))
        let state = ResumeState(folder: folder)
        try state.save(epoch: 1, step: 3, current: [[1, 2]], best: (score: .nan, epoch: 1, weights: [[1, 2]]), history: history)
        let text = try String(contentsOf: folder.appendingPathComponent("progress.json"), encoding: .utf8)
        XCTAssertTrue(text.contains(#""best_score":null"#), text)
        XCTAssertTrue(text.contains("[1,0.7,0.6,0.5,1,0.75,null,0.001,2]"), text)
        let saved = try XCTUnwrap(state.load(expecting: [2]))
        XCTAssertEqual(saved.history.rows.count, 1)
        XCTAssertTrue(saved.history.rows[0].valAUC.isNaN)
        XCTAssertEqual(saved.history.rows[0].trainAUC, 0.75)
        XCTAssertTrue(saved.bestScore.isNaN)
    }
}
