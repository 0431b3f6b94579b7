import Foundation
import Imaging
import XCTest
@testable import Datasets

/// `difficulty` makes the synthetic BreakHis harder in ways that can be measured: the same seed gives the same
/// bytes, the label noise asked for is what is written and recorded, and a one-number feature separates the
/// classes at `easy` but not at `hard`.
final class SyntheticDifficultyTests: XCTestCase {
    private func images(_ summary: SyntheticSummary) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for file in summary.files { result[file] = try Data(contentsOf: summary.root.appendingPathComponent(file)) }
        return result
    }

    func testHardIsDeterministicAndDiffersFromEasy() throws {
        let hard = SyntheticBreakHis(patients: 4, imagesPerPatient: 2, magnifications: [100, 400], width: 40, height: 32, seed: 5, difficulty: .hard)
        let first = try hard.write(to: TestTree(self).root)
        let second = try hard.write(to: TestTree(self).root)
        XCTAssertEqual(try images(first), try images(second))
        XCTAssertEqual(first.flipped, second.flipped)
        var easy = hard
        easy.difficulty = .easy
        let plain = try easy.write(to: TestTree(self).root)
        XCTAssertEqual(plain.files, first.files, "the same names at every difficulty")
        let (a, b) = (try images(first), try images(plain))
        XCTAssertTrue(first.files.allSatisfy { a[$0] != b[$0] }, "every hard image differs from its easy twin")
        XCTAssertEqual(SyntheticSummary.record(in: plain.root)?.flipped, [])
        XCTAssertEqual(SyntheticSummary.record(in: plain.root)?.difficulty, .easy)
    }

    /// The easy images are the generator's original output: a fixed digest for a fixed seed and size.
    func testEasyKeepsTheOriginalImages() throws {
        let summary = try SyntheticBreakHis(patients: 2, imagesPerPatient: 1, magnifications: [100], width: 24, height: 16, seed: 1)
            .write(to: TestTree(self).root)
        let digest = try images(summary).sorted { $0.key < $1.key }.map { entry in
            entry.value.reduce(UInt64(0xcbf29ce484222325)) { ($0 ^ UInt64($1)) &* 0x100000001b3 }
        }
        XCTAssertEqual(digest, Self.easyDigests, "easy must stay bit-for-bit the original generator")
    }

    /// FNV-1a of the PNG files; the generator of commit 26b3cff, before `difficulty`, wrote the same two digests.
    static let easyDigests: [UInt64] = [2859233950455737192, 2360356806458029798]

    func testLabelNoiseIsWhatWasAskedAndRecorded() throws {
        let generator = SyntheticBreakHis(patients: 40, imagesPerPatient: 10, magnifications: [40], width: 16, height: 16, seed: 9, difficulty: .hard)
        let summary = try generator.write(to: TestTree(self).root)
        let fraction = Double(summary.flipped.count) / Double(summary.images)
        XCTAssertEqual(summary.images, 400)
        XCTAssertEqual(fraction, SyntheticDifficulty.hard.labelNoise, accuracy: 0.04, "flipped \(summary.flipped.count) of 400")
        let record = try XCTUnwrap(SyntheticSummary.record(in: summary.root))
        XCTAssertEqual(record.flipped, summary.flipped)
        XCTAssertEqual(record.labelNoise, 0.1)
        XCTAssertEqual(record.images, 400)
        let manifest = try BreakHisAdapter(verifyImages: false).read(root: summary.root)
        XCTAssertEqual(manifest.skipped, [], "synthesis.json is not taken for an image")
        XCTAssertTrue(Set(summary.flipped).isSubset(of: Set(manifest.rows.map(\.path))), "flipped paths name manifest rows")
    }

    /// The share of dark (nuclear) pixels per image, thresholded at its best cut, tells the classes apart at easy
    /// and barely at hard.
    func testNuclearAreaSeparatesEasyButNotHard() throws {
        func bestThresholdAccuracy(_ difficulty: SyntheticDifficulty) throws -> Double {
            let generator = SyntheticBreakHis(patients: 16, imagesPerPatient: 4, magnifications: [400], width: 48, height: 40, seed: 2,
                                              difficulty: difficulty)
            let summary = try generator.write(to: TestTree(self).root)
            let manifest = try BreakHisAdapter(verifyImages: false).read(root: summary.root)
            let samples = try manifest.rows.map { row -> (Double, Bool) in
                let image = try ImageDecoder.decode(contentsOf: manifest.url(of: row), as: .rgb8)
                let pixels = image.width * image.height
                let dark = (0..<pixels).filter { i in (Int(image.bytes[3 * i]) + Int(image.bytes[3 * i + 1]) + Int(image.bytes[3 * i + 2])) < 3 * 130 }.count
                return (Double(dark) / Double(pixels), row.label == "malignant")
            }
            var best = 0.0
            for (cut, _) in samples {
                let above = samples.filter { ($0.0 >= cut) == $0.1 }.count
                best = max(best, Double(above) / Double(samples.count), Double(samples.count - above) / Double(samples.count))
            }
            return best
        }
        let easy = try bestThresholdAccuracy(.easy), hard = try bestThresholdAccuracy(.hard)
        print("best threshold accuracy on dark-pixel share: easy \(easy), hard \(hard)")
        XCTAssertGreaterThanOrEqual(easy, 0.95)
        XCTAssertLessThanOrEqual(hard, 0.8)
    }
}
