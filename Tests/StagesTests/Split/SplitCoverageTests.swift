import XCTest
@testable import Stages

/// Tiny cohorts: every split asked for gets a patient and train gets every class, or the split is an error.
final class SplitCoverageTests: XCTestCase {
    private let all: [PatientSplitter.Part] = [.train, .val, .test]

    private func deal(_ groups: [String], _ labels: [String], seed: UInt64 = 1) -> [PatientSplitter.Part] {
        var generator = TestRandom(seed: seed)
        return PatientSplitter(train: 0.6, val: 0.2, test: 0.2).assign(groups: groups, labels: labels, using: &generator)
    }

    func testAClassWithOnePatientGoesToTrain() {
        for seed in 1...5 {
            XCTAssertEqual(deal(["a", "b"], ["x", "y"], seed: UInt64(seed)), [.train, .train])
            let parts = deal(["a", "b", "c", "d"], ["x", "x", "y", "y"], seed: UInt64(seed))
            XCTAssertEqual(parts.filter { $0 == .train }.count, 2, "one patient of each class trains")
            XCTAssertEqual(parts.filter { $0 == .val }.count, 2)
        }
    }

    func testTooFewPatientsForTheSplitsIsAnErrorNamingTheCounts() {
        let groups = ["a", "a", "b", "c", "d"], labels = ["x", "x", "y", "x", "y"]
        let parts = deal(groups, labels)
        XCTAssertThrowsError(try SplitCoverage(stage: "split", requested: all).check(parts: parts, groups: groups, labels: labels)) { error in
            XCTAssertEqual("\(error)", "stage `split`: the test split gets no patient: 4 patients are too few to fill every split asked for when each class is dealt on its own (patients per class: x 2, y 2; splits asked for: train, val, test); add patients, or use stratify: none")
        }
        XCTAssertNoThrow(try SplitCoverage(stage: "split", requested: [.train, .val]).check(parts: parts, groups: groups, labels: labels))
    }

    func testThreePatientsPerClassFillEverySplitWithEveryClassInTrain() throws {
        let groups = ["a", "b", "c", "d", "e", "f"], labels = ["x", "x", "x", "y", "y", "y"]
        for seed in 1...5 {
            let parts = deal(groups, labels, seed: UInt64(seed))
            XCTAssertNoThrow(try SplitCoverage(stage: "split", requested: all).check(parts: parts, groups: groups, labels: labels))
            XCTAssertEqual(Set(parts.indices.filter { parts[$0] == .train }.map { labels[$0] }), ["x", "y"])
        }
    }

    func testAClassMissingFromTrainIsAnError() {
        let parts: [PatientSplitter.Part] = [.train, .val, .test, .train]
        XCTAssertThrowsError(try SplitCoverage(stage: "s", requested: all).check(parts: parts, groups: ["a", "b", "c", "d"], labels: ["x", "y", "y", "x"])) { error in
            XCTAssertEqual("\(error)", "stage `s`: no patient of class `y` is in the train split, so it cannot be learned (patients per class: x 2, y 2; splits asked for: train, val, test); add patients of that class, or use stratify: label")
        }
    }
}
