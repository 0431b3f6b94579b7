import PipeBase
import XCTest

/// Pins the generator to the published algorithms (values from Tests/Reference/make_seeded_random_values.py),
/// because synthetic data sets, splits and weight initialisation must not change with a refactor.
final class SeededRandomTests: XCTestCase {
    func testStreamIsXoshiro256StarStarSeededBySplitMix() {
        var random = SeededRandom(seed: 42)
        XCTAssertEqual((0..<3).map { _ in random.next() }, [0x1578_0B2E_0C2E_C716, 0x6104_D986_6D11_3A7E, 0xAE17_5332_39E4_99A1])
    }

    func testPartsMixIntoTheSeed() {
        var random = SeededRandom(seed: 7, 1, 2)
        XCTAssertEqual((0..<2).map { _ in random.next() }, [0x817F_319F_E26C_63AC, 0xEB4A_F9BB_E50E_A7A0])
        var swapped = SeededRandom(seed: 7, 2, 1)
        XCTAssertNotEqual(swapped.next(), 0x817F_319F_E26C_63AC, "the order of the parts matters")
    }

    func testCounterBasedDrawsMatchSplitMixAtAnyIndex() {
        XCTAssertEqual([0, 1, 2, 1000].map { SeededRandom.uniform(seed: 5, index: $0) },
                       [0.38676804304122925, 0.7523069977760315, 0.2327091097831726, 0.6478132605552673])
    }

    func testDrawsStayInTheirRanges() {
        var random = SeededRandom(seed: 3)
        for _ in 0..<1000 {
            let unit = random.unit(), float = random.nextUniform(), below = random.below(7)
            XCTAssertTrue((0..<1).contains(unit) && (0..<1).contains(float) && (0..<7).contains(below))
        }
    }
}
