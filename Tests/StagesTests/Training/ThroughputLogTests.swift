import Foundation
import PipeSpec
import XCTest
@testable import Stages

/// Rates measured by runs are remembered by architecture, mode and size, and a later one replaces an earlier one.
final class ThroughputLogTests: XCTestCase {
    func testRecordsAndReadsRatesByArchitectureModeAndSize() throws {
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("throughput-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: store, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: store) }
        XCTAssertNil(ThroughputLog(store: store).rate(arch: "densenet201", mode: .training, size: 224))
        ThroughputLog.record(store: store, arch: "densenet201", mode: .training, size: 224, images: 48, seconds: 24)
        ThroughputLog.record(store: store, arch: "densenet201", mode: .inference, size: 224, images: 30, seconds: 3)
        var log = ThroughputLog(store: store)
        XCTAssertEqual(log.rate(arch: "densenet201", mode: .training, size: 224), 2)
        XCTAssertEqual(log.rate(arch: "densenet201", mode: .inference, size: 224), 10)
        XCTAssertNil(log.rate(arch: "densenet201", mode: .training, size: 32))
        XCTAssertNil(log.rate(arch: "vgg19", mode: .training, size: 224))
        ThroughputLog.record(store: store, arch: "densenet201", mode: .training, size: 224, images: 10, seconds: 2)
        log = ThroughputLog(store: store)
        XCTAssertEqual(log.rate(arch: "densenet201", mode: .training, size: 224), 5)
        XCTAssertTrue(ThroughputLog.key(arch: "a", mode: .training, size: 1).contains("cores"))
    }

    /// Keras' `mode: auto`: a loss improves downwards, accuracy and AUC upwards; `min`/`max` override it.
    func testEarlyStoppingModeFollowsKeras() throws {
        func maximizes(_ with: JSONValue) throws -> Bool {
            let stage = StageSpec(name: "t", declaredName: "t", kind: "fine-tune", with: ["optimizer": ["name": "adam", "lr": 0.1], "early_stopping": with])
            return try FineTuneParameters(stage).earlyStopping.maximizes
        }
        XCTAssertFalse(try maximizes(["monitor": "val_loss"]))
        XCTAssertTrue(try maximizes(["monitor": "val_accuracy"]))
        XCTAssertTrue(try maximizes(["monitor": "val_auc", "mode": "auto"]))
        XCTAssertTrue(try maximizes(["monitor": "val_loss", "mode": "max"]))
        XCTAssertFalse(try maximizes(["monitor": "val_accuracy", "mode": "min"]))
    }
}
