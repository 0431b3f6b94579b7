import XCTest
import CNN

/// Reduce-on-plateau follows Keras' `ReduceLROnPlateau`: patience, factor, floor and min delta.
final class PlateauScheduleTests: XCTestCase {
    func testRatesFollowTheScores() {
        var plateau = PlateauSchedule(factor: 0.5, patience: 2, minimum: 0.1)
        let scores: [Double] = [1, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3.00005]
        var rates: [Float] = [], reduced: [Bool] = []
        for score in scores {
            reduced.append(plateau.record(score, baseRate: 1))
            rates.append(plateau.apply(to: 1))
        }
        XCTAssertEqual(rates, [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125, 0.1, 0.1, 0.1, 0.1])
        XCTAssertEqual(reduced.enumerated().filter(\.element).map(\.offset), [3, 6, 8, 10],
                       "no reduction once the floor is reached; 3.00005 is within min delta of 3")
    }

    func testReplayingScoresRebuildsTheState() {
        var live = PlateauSchedule(factor: 0.2, patience: 1)
        for score in [-0.5, -0.6, -0.4, -0.45] { live.record(score, baseRate: 0.01) }
        var replayed = PlateauSchedule(factor: 0.2, patience: 1)
        for score in [-0.5, -0.6, -0.4, -0.45] { replayed.record(score, baseRate: 0.01) }
        XCTAssertEqual(live, replayed)
        XCTAssertEqual(live.apply(to: 0.01), 0.01 * 0.2 * 0.2, accuracy: 1e-9)
    }
}
