import Foundation
import XCTest
@testable import PipeEngine

/// Output that is not a terminal gets one line per finished epoch, whatever the progress reports between.
final class EpochLinesTests: XCTestCase {
    func testOneLinePerEpochFromAFixedProgressSequence() {
        let t0 = Date(timeIntervalSince1970: 1_000)
        func epoch(_ number: Int, _ loss: Double, _ valLoss: Double, _ lr: Double) -> StageProgress.Epoch {
            .init(number: number, of: 3, scores: [.init("loss", loss), .init("val_loss", valLoss), .init("val_accuracy", 0.5 + 0.1 * Double(number)),
                                                  .init("val_auc", .nan), .init("lr", lr)])
        }
        // 100 images an epoch; the first report comes after 10 images, at t0.
        let sequence: [(Double, StageProgress)] = [
            // An earlier phase (the frozen backbone's features) counts to another total: the rate starts after it.
            (-30, StageProgress(done: 250, total: 250, unit: "images", detail: "backbone features")),
            (0, StageProgress(done: 10, total: 300, unit: "images", detail: "epoch 1/3, batch 1/10")),
            (2, StageProgress(done: 60, total: 300, unit: "images", detail: "epoch 1/3, batch 6/10")),
            (4, StageProgress(done: 100, total: 300, unit: "images", detail: "epoch 1/3 done", epoch: epoch(1, 0.69315, 0.6, 0.001))),
            (5, StageProgress(done: 120, total: 300, unit: "images", detail: "epoch 2/3, batch 2/10", epoch: epoch(1, 0.69315, 0.6, 0.001))),
            (9, StageProgress(done: 200, total: 300, unit: "images", detail: "epoch 2/3 done", epoch: epoch(2, 0.5, 0.55, 0.0005))),
            (9.5, StageProgress(done: 210, total: 300, unit: "images", detail: "epoch 3/3, batch 1/10", epoch: epoch(2, 0.5, 0.55, 0.0005))),
            (14, StageProgress(done: 300, total: 300, unit: "images", detail: "epoch 3/3 done", epoch: epoch(3, 0.25, 0.5, 0.00025))),
        ]
        var lines = EpochLines()
        let written = sequence.compactMap { lines.line(for: $0.1, at: t0.addingTimeInterval($0.0)) }
        XCTAssertEqual(written, [
            "epoch 1/3 · loss 0.6932 · val_loss 0.6000 · val_accuracy 0.6000 · val_auc - · lr 0.001 · 22.5 images/s · ETA 0:09",
            "epoch 2/3 · loss 0.5000 · val_loss 0.5500 · val_accuracy 0.7000 · val_auc - · lr 0.0005 · 21.1 images/s · ETA 0:05",
            "epoch 3/3 · loss 0.2500 · val_loss 0.5000 · val_accuracy 0.8000 · val_auc - · lr 0.00025 · 20.7 images/s",
        ])
    }

    func testAnEpochWithAnUndefinedScoreSurvivesTheJobProgressFile() throws {
        let progress = StageProgress(done: 4, total: 8, unit: "images",
                                     epoch: .init(number: 1, of: 2, scores: [.init("loss", 0.5), .init("val_auc", .nan)]))
        let decoded = try JSONDecoder().decode(StageProgress.self, from: JSONEncoder().encode(progress))
        XCTAssertEqual(decoded.epoch?.scores.map(\.name), ["loss", "val_auc"])
        XCTAssertEqual(decoded.epoch?.scores.first?.value, 0.5)
        XCTAssertTrue(decoded.epoch?.scores.last?.value.isNaN == true)
    }

    func testAStageResumedAfterItsLastEpochWritesThatEpochOnceWithoutARate() {
        var lines = EpochLines()
        let resumed = StageProgress(done: 200, total: 300, unit: "images", epoch: .init(number: 2, of: 3, scores: [.init("loss", 0.5)]))
        XCTAssertEqual(lines.line(for: resumed, at: Date()), "epoch 2/3 · loss 0.5000")
        XCTAssertNil(lines.line(for: resumed, at: Date()))
    }
}
