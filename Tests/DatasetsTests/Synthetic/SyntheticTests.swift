import Foundation
import Imaging
import XCTest
@testable import Datasets

final class SyntheticTests: XCTestCase {
    func contents(_ summary: SyntheticSummary) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for file in summary.files { result[file] = try Data(contentsOf: summary.root.appendingPathComponent(file)) }
        return result
    }

    func testBreakHisIsDeterministicAndReadable() throws {
        let generator = SyntheticBreakHis(patients: 3, imagesPerPatient: 2, magnifications: [40, 400], width: 32, height: 24, seed: 7)
        let first = try generator.write(to: TestTree(self).root)
        let second = try generator.write(to: TestTree(self).root)
        XCTAssertEqual(first.images, 12)
        XCTAssertEqual(first.files.first, "BreaKHis_v1/histology_slides/breast/benign/SOB/adenosis/SOB_B_A_14-10000/400X/SOB_B_A-14-10000-400-001.png")
        XCTAssertEqual(try contents(first), try contents(second))
        var other = generator
        other.seed = 8
        let third = try other.write(to: TestTree(self).root)
        XCTAssertEqual(third.files, first.files)
        XCTAssertNotEqual(try contents(third), try contents(first))

        let manifest = try BreakHisAdapter().read(root: first.root)
        XCTAssertEqual(manifest.skipped, [])
        XCTAssertEqual(manifest.rows.count, 12)
        XCTAssertEqual(Set(manifest.rows.map(\.patient)), ["10000", "17919", "25838"])
        XCTAssertEqual(Set(manifest.rows.filter { $0.label == "malignant" }.map(\.patient)), ["17919"])
        let image = try ImageDecoder.decode(contentsOf: manifest.url(of: manifest.rows[0]))
        XCTAssertEqual([image.width, image.height], [32, 24])
        XCTAssertEqual(image.format, .rgb8)
    }

    /// Patient-specific stain makes a nearest-neighbour on mean colour score better when the same patient's other
    /// images are allowed as neighbours (a leaky split) than when they are not (patient-wise).
    func testPatientLookMakesLeakageVisible() throws {
        let generator = SyntheticBreakHis(patients: 8, imagesPerPatient: 3, magnifications: [100], width: 40, height: 28, seed: 3)
        let summary = try generator.write(to: TestTree(self).root)
        let manifest = try BreakHisAdapter(verifyImages: false).read(root: summary.root)
        let features = try manifest.rows.map { row -> [Double] in
            let image = try ImageDecoder.decode(contentsOf: manifest.url(of: row))
            let pixels = image.width * image.height
            return (0..<3).map { c in Double((0..<pixels).reduce(0) { $0 + Int(image.bytes[3 * $1 + c]) }) / Double(pixels) }
        }
        func accuracy(leaky: Bool) -> Double {
            var correct = 0
            for i in manifest.rows.indices {
                let best = manifest.rows.indices.filter { $0 != i && (leaky || manifest.rows[$0].patient != manifest.rows[i].patient) }
                    .min { zip(features[$0], features[i]).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
                        < zip(features[$1], features[i]).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) }!
                if manifest.rows[best].label == manifest.rows[i].label { correct += 1 }
            }
            return Double(correct) / Double(manifest.rows.count)
        }
        XCTAssertGreaterThan(accuracy(leaky: true), accuracy(leaky: false))
    }

    func testCBISDDSMIsDeterministicAndReadable() throws {
        let generator = SyntheticCBISDDSM(patients: 5, imagesPerPatient: 2, width: 48, height: 64, seed: 11)
        let first = try generator.write(to: TestTree(self).root)
        let second = try generator.write(to: TestTree(self).root)
        XCTAssertEqual(first.images, 10)
        XCTAssertEqual(try contents(first), try contents(second))
        var other = generator
        other.seed = 12
        XCTAssertNotEqual(try contents(other.write(to: TestTree(self).root)).values.sorted { $0.count < $1.count },
                          try contents(first).values.sorted { $0.count < $1.count })

        let roi = try CBISDDSMAdapter(images: .roi).read(root: first.root)
        XCTAssertEqual(roi.skipped, [])
        XCTAssertEqual(roi.rows.count, 10)
        for row in roi.rows {
            let crop = try ImageDecoder.decode(contentsOf: roi.url(of: row), as: .gray8)
            XCTAssertLessThan(crop.width, 48, row.path)
            XCTAssertTrue(row.columns["mask"]!.hasPrefix(row.path.split(separator: "/").dropLast().joined(separator: "/")))
        }
        XCTAssertEqual(roi.notes.count, 1)
        XCTAssertEqual(Set(roi.rows.map(\.patient)), ["P_00001", "P_00002", "P_00003", "P_00004", "P_00005"])
        XCTAssertEqual(roi.rows.filter { $0.patient == "P_00002" }.map(\.label), ["malignant", "malignant"])
        XCTAssertEqual(roi.rows.filter { $0.patient == "P_00005" }.map { $0.columns["split"]! }, ["test", "test"])
        let full = try CBISDDSMAdapter(images: .full).read(root: first.root)
        XCTAssertEqual(full.rows.count, 10)
        XCTAssertEqual(full.skipped, [])
    }

    /// Writes sample images and times a full-size run; only with PIPE_SYNTH_BENCH=<folder> (use a release build).
    func testBenchmarkAndPreview() throws {
        guard let folder = ProcessInfo.processInfo.environment["PIPE_SYNTH_BENCH"] else { throw XCTSkip("set PIPE_SYNTH_BENCH") }
        let root = URL(fileURLWithPath: folder)
        try? FileManager.default.removeItem(at: root)
        var start = Date()
        let breakhis = try SyntheticBreakHis(patients: 50, imagesPerPatient: 10, seed: 1).write(to: root.appendingPathComponent("breakhis"))
        print("synthetic BreakHis: \(breakhis.images) images 700x460 in \(Date().timeIntervalSince(start)) s")
        start = Date()
        let cbis = try SyntheticCBISDDSM(patients: 50, imagesPerPatient: 4, seed: 1).write(to: root.appendingPathComponent("cbis"))
        print("synthetic CBIS-DDSM: \(cbis.images) mammograms 320x512 in \(Date().timeIntervalSince(start)) s")
        start = Date()
        let manifest = try BreakHisAdapter().read(root: breakhis.root)
        print("BreakHis adapter with verification: \(manifest.rows.count) rows in \(Date().timeIntervalSince(start)) s")
        start = Date()
        let urls = manifest.rows.map { manifest.url(of: $0) }
        let decoded = ImageDecoder.decodeAll(urls, as: .rgb8, resizeTo: (224, 224))
        print("decode+resize to 224: \(decoded.count) images in \(Date().timeIntervalSince(start)) s")
    }

    /// Writes a few full-size samples to look at; only with PIPE_SYNTH_PREVIEW=<folder>.
    func testPreview() throws {
        guard let folder = ProcessInfo.processInfo.environment["PIPE_SYNTH_PREVIEW"] else { throw XCTSkip("set PIPE_SYNTH_PREVIEW") }
        let root = URL(fileURLWithPath: folder)
        try? FileManager.default.removeItem(at: root)
        _ = try SyntheticBreakHis(patients: 4, imagesPerPatient: 1, magnifications: [40, 400], seed: 1)
            .write(to: root.appendingPathComponent("breakhis"))
        _ = try SyntheticCBISDDSM(patients: 4, imagesPerPatient: 1, seed: 1).write(to: root.appendingPathComponent("cbis"))
    }
}
