import XCTest
@testable import PipeEngine

/// The progress line: where the stage is, the count, the rate and the time left.
final class StageProgressTests: XCTestCase {
    func testSummaryShowsDetailCountRateAndETA() {
        let progress = StageProgress(done: 123, total: 456, unit: "images", detail: "epoch 2/10, batch 5/40")
        XCTAssertEqual(progress.summary(rate: 37.2), "epoch 2/10, batch 5/40 · 123/456 images · 37.2 images/s · ETA 0:09")
        XCTAssertEqual(progress.summary(rate: nil), "epoch 2/10, batch 5/40 · 123/456 images")
        XCTAssertEqual(StageProgress(done: 3, total: 3).summary(rate: 2.5), "3/3 · 2.50 steps/s", "no ETA once done")
        XCTAssertEqual(StageProgress(done: 0, total: 7200, unit: "images").summary(rate: 1), "0/7200 images · 1.00 images/s · ETA 2:00:00")
    }
}
