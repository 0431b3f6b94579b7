import XCTest
@testable import Stages

/// Patient-wise splits: no patient crosses splits, class shares hold, and the seed decides everything.
final class PatientSplitterTests: XCTestCase {
    /// 60 patients, 24 benign and 36 malignant, with 3 to 17 images each.
    private func cohort() -> (groups: [String], labels: [String]) {
        var groups: [String] = [], labels: [String] = []
        for patient in 0..<60 {
            let label = patient % 5 < 2 ? "benign" : "malignant"
            for _ in 0..<(3 + (patient * 7) % 15) {
                groups.append("p\(patient)")
                labels.append(label)
            }
        }
        return (groups, labels)
    }

    func testNoPatientCrossesSplitsAndClassSharesHold() {
        let (groups, labels) = cohort()
        var generator = TestRandom(seed: 42)
        let parts = PatientSplitter(train: 0.6, val: 0.2, test: 0.2).assign(groups: groups, labels: labels, using: &generator)
        var partOf: [String: PatientSplitter.Part] = [:]
        for (group, part) in zip(groups, parts) {
            if let earlier = partOf[group] { XCTAssertEqual(earlier, part, "patient \(group) crosses splits") }
            partOf[group] = part
        }
        let malignantShare = Double(labels.filter { $0 == "malignant" }.count) / Double(labels.count)
        for part in PatientSplitter.Part.allCases {
            let indices = parts.indices.filter { parts[$0] == part }
            let share = Double(indices.count) / Double(parts.count)
            let expected = part == .train ? 0.6 : 0.2
            XCTAssertEqual(share, expected, accuracy: 0.05, "\(part) holds \(share) of the images")
            let malignant = Double(indices.filter { labels[$0] == "malignant" }.count) / Double(indices.count)
            XCTAssertEqual(malignant, malignantShare, accuracy: 0.06, "\(part) malignant share")
            XCTAssertGreaterThanOrEqual(Set(indices.map { groups[$0] }).count, 8, "\(part) has patients of both classes")
        }
    }

    func testTheSeedDecidesTheSplit() {
        let (groups, labels) = cohort()
        let splitter = PatientSplitter(train: 0.6, val: 0.2, test: 0.2)
        var a = TestRandom(seed: 1), b = TestRandom(seed: 1), c = TestRandom(seed: 2)
        let first = splitter.assign(groups: groups, labels: labels, using: &a)
        XCTAssertEqual(first, splitter.assign(groups: groups, labels: labels, using: &b))
        XCTAssertNotEqual(first, splitter.assign(groups: groups, labels: labels, using: &c))
    }

    func testSmallCohortsStillFillEverySplit() {
        let groups = ["a", "a", "b", "c", "d", "e", "e", "f"]
        let labels = ["x", "x", "x", "x", "y", "y", "y", "y"]
        var generator = TestRandom(seed: 3)
        let parts = PatientSplitter(train: 0.6, val: 0.2, test: 0.2).assign(groups: groups, labels: labels, using: &generator)
        XCTAssertEqual(Set(parts), Set(PatientSplitter.Part.allCases))
    }

    func testMajorityLabel() {
        XCTAssertEqual(PatientSplitter.majority(["b", "a", "b"]), "b")
        XCTAssertEqual(PatientSplitter.majority(["b", "a"]), "a")
    }
}
