import Foundation
import PipeEngine
import XCTest
@testable import Stages

/// `manifest.csv` read into typed entries: required columns, strict split names, and a byte-identical round trip.
final class ManifestEntryTests: XCTestCase {
    private var folder: URL!
    private var paths: PortablePaths!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("manifest-entry-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        paths = PortablePaths(base: folder, store: folder.appendingPathComponent(".pipe"))
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func read(_ text: String) throws -> ManifestFile {
        try Data(text.utf8).write(to: folder.appendingPathComponent(ManifestFile.fileName))
        return try ManifestFile.read(from: folder, paths: paths)
    }

    private var file: String { folder.appendingPathComponent(ManifestFile.fileName).path }

    func testAMissingRequiredColumnIsAnErrorNamingFileAndColumn() {
        XCTAssertThrowsError(try read("path,sha256,label,tumor\na.png,00,benign,B\n")) { error in
            XCTAssertEqual(error as? StageError, .badInput(file: file, reason: "the header has no `patient` column; it must hold path,sha256,label,patient"))
        }
    }

    func testAnUnknownSplitIsAnErrorNamingTheRow() {
        XCTAssertThrowsError(try read("path,sha256,label,patient,split\na.png,00,benign,1,train\nb.png,01,benign,2,training\n")) { error in
            XCTAssertEqual(error as? StageError, .badInput(file: file, reason: "row 2 has split `training`, which is not train, val or test; fix that row or split again"))
        }
    }

    func testEntriesAreTypedAndARoundTripKeepsEveryColumnInOrder() throws {
        let text = #"""
            path,sha256,label,patient,tumor,split,magnification,fold1,balance,source
            images/a.png,00aa,benign,p1,"B, adenosis",train,40X,train,oversample,
            store:stages/augment/augmented/00aa-1.png,11bb,benign,p1,"say ""B""",train,40X,train,oversample,images/a.png
            /elsewhere/c.png,22cc,malignant,p2,M,,100X,test,,

            """#
        let manifest = try read(text)
        XCTAssertEqual(manifest.columns, ["path", "sha256", "label", "patient", "tumor", "split", "magnification", "fold1", "balance", "source"])
        XCTAssertEqual(manifest.rows, [
            ManifestEntry(path: folder.appendingPathComponent("images/a.png").path, sha256: "00aa", label: "benign", patient: "p1",
                          split: .train, magnification: "40X", balance: "oversample", extra: ["tumor": "B, adenosis", "fold1": "train"]),
            ManifestEntry(path: folder.appendingPathComponent(".pipe/stages/augment/augmented/00aa-1.png").path, sha256: "11bb",
                          label: "benign", patient: "p1", split: .train, source: folder.appendingPathComponent("images/a.png").path,
                          magnification: "40X", balance: "oversample", extra: ["tumor": "say \"B\"", "fold1": "train"]),
            ManifestEntry(path: "/elsewhere/c.png", sha256: "22cc", label: "malignant", patient: "p2", magnification: "100X",
                          extra: ["tumor": "M", "fold1": "test"]),
        ])
        XCTAssertEqual(manifest.classes.names, ["benign", "malignant"])
        try manifest.write(to: folder, paths: paths)
        XCTAssertEqual(try String(contentsOf: folder.appendingPathComponent(ManifestFile.fileName), encoding: .utf8), text)
    }
}
