import Foundation
import XCTest
@testable import Datasets

final class BreakHisAdapterTests: XCTestCase {
    static let base = "BreaKHis_v1/histology_slides/breast/"
    static let adenosisAB = base + "benign/SOB/adenosis/SOB_B_A_14-22549AB/"
    static let adenosisCD = base + "benign/SOB/adenosis/SOB_B_A_14-22549CD/"
    static let ductal = base + "malignant/SOB/ductal_carcinoma/SOB_M_DC_14-13412/"
    static let lobular = base + "malignant/SOB/lobular_carcinoma/SOB_M_LC_14-13412/"

    /// The official tree with one of each problem: truncated PNG, non-image, unparseable name, patient 13412 twice.
    func makeTree(prefix: String = "") throws -> TestTree {
        let tree = try TestTree(self)
        try tree.png(prefix + Self.adenosisAB + "40X/SOB_B_A-14-22549AB-40-001.png")
        try tree.png(prefix + Self.adenosisCD + "100X/SOB_B_A-14-22549CD-100-001.png")
        try tree.png(prefix + Self.adenosisCD + "400X/SOB_B_A-14-22549CD-400-001.png")
        try tree.png(prefix + Self.ductal + "40X/SOB_M_DC-14-13412-40-001.png")
        try tree.png(prefix + Self.ductal + "40X/SOB_M_DC-14-13412-40-002.png")
        try tree.truncatedPNG(prefix + Self.ductal + "40X/SOB_M_DC-14-13412-40-003.png")
        try tree.png(prefix + Self.lobular + "100X/SOB_M_LC-14-13412-100-001.png")
        try tree.text(prefix + Self.ductal + "40X/Thumbs.db", "not an image")
        try tree.png(prefix + Self.ductal + "40X/image 1.png")
        try tree.text(prefix + "BreaKHis_v1/README.txt", "ignored: outside magnification folders")
        return tree
    }

    func row(_ path: String, _ label: String, _ patient: String, _ subtype: String, _ mag: Int, _ slide: String, _ seq: Int,
             folds: [String: String] = [:]) -> ManifestRow {
        var columns = ["tumor": subtype == "A" ? "benign" : "malignant", "subtype": subtype, "magnification": String(mag),
                       "slide": slide, "sequence": String(seq)]
        columns.merge(folds) { $1 }
        return ManifestRow(path: path, label: label, patient: patient, columns: columns)
    }

    func testOfficialTreeExactRows() throws {
        let tree = try makeTree()
        let manifest = try BreakHisAdapter(magnifications: [40, 100]).read(root: tree.root)
        XCTAssertEqual(manifest.columns, ["tumor", "subtype", "magnification", "slide", "sequence"])
        XCTAssertEqual(manifest.rows, [
            row(Self.adenosisAB + "40X/SOB_B_A-14-22549AB-40-001.png", "benign", "22549", "A", 40, "22549AB", 1),
            row(Self.adenosisCD + "100X/SOB_B_A-14-22549CD-100-001.png", "benign", "22549", "A", 100, "22549CD", 1),
            row(Self.ductal + "40X/SOB_M_DC-14-13412-40-001.png", "malignant", "13412", "DC", 40, "13412", 1),
            row(Self.ductal + "40X/SOB_M_DC-14-13412-40-002.png", "malignant", "13412", "DC", 40, "13412", 2),
            row(Self.lobular + "100X/SOB_M_LC-14-13412-100-001.png", "malignant", "13412", "LC", 100, "13412", 1),
        ])
        XCTAssertEqual(manifest.skipped.map(\.path), [
            Self.ductal + "40X/SOB_M_DC-14-13412-40-003.png", Self.ductal + "40X/Thumbs.db", Self.ductal + "40X/image 1.png",
        ])
        XCTAssertTrue(manifest.skipped[0].reason.hasPrefix("corrupt or truncated PNG"), manifest.skipped[0].reason)
        XCTAssertEqual(manifest.skipped[1].reason, "not a PNG image")
        XCTAssertTrue(manifest.skipped[2].reason.hasPrefix("file name does not follow"))
        XCTAssertEqual(manifest.patientsWithTwoDiagnoses, ["13412": ["DC", "LC"]])
        XCTAssertEqual(manifest.notes, ["patient 13412 appears under several diagnoses: DC, LC"])
        XCTAssertEqual(manifest.badFraction, 3.0 / 8.0, accuracy: 1e-12)
        let csv = manifest.csv { _ in "h" }.split(separator: "\n")
        XCTAssertEqual(csv[0], "path,sha256,label,patient,tumor,subtype,magnification,slide,sequence")
        XCTAssertEqual(csv[1], "\(Self.adenosisAB)40X/SOB_B_A-14-22549AB-40-001.png,h,benign,22549,benign,A,40,22549AB,1")
    }

    func testSubtypeTargetAndDroppingTheDuplicatePatient() throws {
        let tree = try makeTree()
        let manifest = try BreakHisAdapter(target: .subtype, dropDuplicatePatient: true).read(root: tree.root)
        XCTAssertEqual(manifest.rows.map(\.label), ["adenosis", "adenosis", "adenosis", "ductal_carcinoma", "ductal_carcinoma"])
        XCTAssertFalse(manifest.rows.contains { $0.columns["subtype"] == "LC" })
        XCTAssertEqual(manifest.notes.last, "patient 13412: kept DC, dropped 1 images under LC")
        XCTAssertEqual(manifest.patientsWithTwoDiagnoses, ["13412": ["DC", "LC"]])
    }

    func testKaggleCopyNestedTwiceWithFolds() throws {
        let tree = try makeTree(prefix: "BreaKHis_v1/")
        var folds = "fold,mag,grp,filename\n"
        for fold in 1...2 {
            folds += "\(fold),40,\(fold == 1 ? "train" : "test"),BreaKHis_v1/\(Self.adenosisAB)40X/SOB_B_A-14-22549AB-40-001.png\n"
            folds += "\(fold),40,test,BreaKHis_v1/\(Self.ductal)40X/SOB_M_DC-14-13412-40-001.png\n"
        }
        try tree.text("Folds.csv", folds)
        let manifest = try BreakHisAdapter(magnifications: [40], verifyImages: false).read(root: tree.root)
        XCTAssertEqual(manifest.columns, ["tumor", "subtype", "magnification", "slide", "sequence", "fold1", "fold2"])
        let prefix = "BreaKHis_v1/"
        XCTAssertEqual(manifest.rows, [
            row(prefix + Self.adenosisAB + "40X/SOB_B_A-14-22549AB-40-001.png", "benign", "22549", "A", 40, "22549AB", 1,
                folds: ["fold1": "train", "fold2": "test"]),
            row(prefix + Self.ductal + "40X/SOB_M_DC-14-13412-40-001.png", "malignant", "13412", "DC", 40, "13412", 1,
                folds: ["fold1": "test", "fold2": "test"]),
            row(prefix + Self.ductal + "40X/SOB_M_DC-14-13412-40-002.png", "malignant", "13412", "DC", 40, "13412", 2,
                folds: ["fold1": "", "fold2": ""]),
            row(prefix + Self.ductal + "40X/SOB_M_DC-14-13412-40-003.png", "malignant", "13412", "DC", 40, "13412", 3,
                folds: ["fold1": "", "fold2": ""]),
        ])
    }

    func testDuplicateCopiesAreSkipped() throws {
        let tree = try TestTree(self)
        try tree.png("a/" + Self.adenosisAB + "40X/SOB_B_A-14-22549AB-40-001.png")
        try tree.png("b/" + Self.adenosisAB + "40X/SOB_B_A-14-22549AB-40-001.png")
        let manifest = try BreakHisAdapter().read(root: tree.root)
        XCTAssertEqual(manifest.rows.count, 1)
        XCTAssertEqual(manifest.skipped, [SkippedFile(path: "b/" + Self.adenosisAB + "40X/SOB_B_A-14-22549AB-40-001.png",
                                                      reason: "duplicate of a/" + Self.adenosisAB + "40X/SOB_B_A-14-22549AB-40-001.png")])
    }

    func testMissingRootSaysWhereToGetTheData() {
        XCTAssertThrowsError(try BreakHisAdapter().read(root: URL(fileURLWithPath: "/nonexistent/breakhis"))) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("/nonexistent/breakhis: no such folder for dataset breakhis"), text)
            XCTAssertTrue(text.contains("https://web.inf.ufpr.br/vri/databases/breast-cancer-histopathological-database-breakhis/"))
            XCTAssertTrue(text.contains("BreaKHis_v1/histology_slides/breast/{benign,malignant}/SOB/"))
        }
        XCTAssertThrowsError(try CBISDDSMAdapter().read(root: URL(fileURLWithPath: "/nonexistent/cbis"))) { error in
            XCTAssertTrue("\(error)".contains("https://www.cancerimagingarchive.net/collection/cbis-ddsm/"))
        }
    }
}
