import Foundation
import Imaging
import XCTest
@testable import Datasets

final class CBISDDSMAdapterTests: XCTestCase {
    enum Layout: CaseIterable { case classic, descriptive, current, kaggle }

    static let uid = "1.3.6.1.4.1.9590.100.1.2."
    static let full1 = "Mass-Training_P_00001_LEFT_CC/\(uid)1001/\(uid)1124515/000000.dcm"
    static let roi1 = "Mass-Training_P_00001_LEFT_CC_1/\(uid)2001/\(uid)2133333/"
    static let roi2 = "Mass-Training_P_00001_LEFT_CC_2/\(uid)3001/\(uid)3144444/"
    static let full2 = "Calc-Test_P_00002_RIGHT_MLO/\(uid)4001/\(uid)4155555/000000.dcm"
    static let roi3 = "Calc-Test_P_00002_RIGHT_MLO_1/\(uid)5001/\(uid)5166666/"

    /// Where a CSV path lands on disk in each layout.
    func disk(_ csvPath: String, _ layout: Layout, full: Bool) -> String {
        let parts = csvPath.split(separator: "/").map(String.init)
        let number = Int(parts[3].prefix(6))!
        let series = String(parts[2].suffix(5)), study = String(parts[1].suffix(5))
        let description = full ? "full mammogram images" : "ROI mask images"
        switch layout {
        case .classic: return "CBIS-DDSM/" + csvPath
        case .descriptive: return "CBIS-DDSM/\(parts[0])/07-20-2016-DDSM-\(study)/1-\(description)-\(series)/\(parts[3])"
        case .current: return "manifest-1700000000/CBIS-DDSM/\(parts[0])/07-20-2016-DDSM-NA/1.000000-\(description)-\(series)/1-\(number + 1).dcm"
        case .kaggle: return "jpeg/\(parts[2])/1-\(number + 1).jpg"
        }
    }

    func image(_ tree: TestTree, _ csvPath: String, _ layout: Layout, full: Bool, content: Image, photometric: String = "MONOCHROME2") throws {
        let path = disk(csvPath, layout, full: full)
        if layout == .kaggle {
            try tree.jpeg(path, image: content.converted(to: .gray8))
        } else {
            try tree.dicom(path, content, photometric: photometric)
        }
    }

    static let massHeader = "patient_id,breast_density,left or right breast,image view,abnormality id,abnormality type,mass shape,"
        + "mass margins,assessment,pathology,subtlety,image file path,cropped image file path,ROI mask file path\r\n"
    static let calcHeader = "patient_id,breast density,left or right breast,image view,abnormality id,abnormality type,calc type,"
        + "calc distribution,assessment,pathology,subtlety,image file path,cropped image file path,ROI mask file path\r\n"

    /// Two mass abnormalities on one image (the second with crop and mask swapped on disk), one calcification on a
    /// MONOCHROME1 image, a row with an unknown pathology and a row whose files are missing.
    func makeTree(_ layout: Layout) throws -> TestTree {
        let tree = try TestTree(self)
        let csvFolder = layout == .kaggle ? "csv/" : ""
        try tree.text(csvFolder + "mass_case_description_train_set.csv", Self.massHeader
            + "P_00001,3,LEFT,CC,1,mass,IRREGULAR,SPICULATED,4,MALIGNANT,5,\(Self.full1),\(Self.roi1)000000.dcm,\"\(Self.roi1)000001.dcm\n\"\r\n"
            + " P_00001 ,3,LEFT,CC,2,mass,OVAL,CIRCUMSCRIBED,3,BENIGN,4,\(Self.full1),\(Self.roi2)000000.dcm,\(Self.roi2)000001.dcm\r\n")
        try tree.text(csvFolder + "calc_case_description_test_set.csv", Self.calcHeader
            + "P_00002,2,RIGHT,MLO,1,calcification,PUNCTATE,CLUSTERED,2,BENIGN_WITHOUT_CALLBACK,3,\(Self.full2),\(Self.roi3)000000.dcm,\(Self.roi3)000001.dcm\r\n"
            + "P_00003,2,RIGHT,MLO,1,calcification,PUNCTATE,CLUSTERED,2,UNSURE,3,Calc-Test_P_00003_RIGHT_MLO/1.2/1.3/000000.dcm,a/b/c/000000.dcm,a/b/c/000001.dcm\r\n"
            + "P_00004,2,LEFT,CC,1,calcification,PUNCTATE,CLUSTERED,2,MALIGNANT,3,Calc-Test_P_00004_LEFT_CC/1.2/1.4/000000.dcm,Calc-Test_P_00004_LEFT_CC_1/1.2/1.5/000000.dcm,Calc-Test_P_00004_LEFT_CC_1/1.2/1.5/000001.dcm\r\n")
        try image(tree, Self.full1, layout, full: true, content: TestTree.tissue(width: 24, height: 32, seed: 1))
        try image(tree, Self.full2, layout, full: true, content: TestTree.tissue(width: 24, height: 32, seed: 2), photometric: "MONOCHROME1")
        try image(tree, Self.roi1 + "000000.dcm", layout, full: false, content: TestTree.tissue(seed: 3))
        try image(tree, Self.roi1 + "000001.dcm", layout, full: false, content: TestTree.mask())
        try image(tree, Self.roi2 + "000000.dcm", layout, full: false, content: TestTree.mask())
        try image(tree, Self.roi2 + "000001.dcm", layout, full: false, content: TestTree.tissue(seed: 4))
        try image(tree, Self.roi3 + "000000.dcm", layout, full: false, content: TestTree.tissue(seed: 5))
        try image(tree, Self.roi3 + "000001.dcm", layout, full: false, content: TestTree.mask())
        if layout == .current {
            var metadata = "Series UID,Collection,Subject ID,Series Description,File Location\r\n"
            for (path, full) in [(Self.full1, true), (Self.roi1 + "000000.dcm", false), (Self.roi2 + "000000.dcm", false),
                                 (Self.full2, true), (Self.roi3 + "000000.dcm", false)] {
                let parts = path.split(separator: "/")
                let folder = disk(path, .current, full: full).split(separator: "/").dropFirst().dropLast().joined(separator: "/")
                metadata += "\(parts[2]),CBIS-DDSM,\(parts[0]),x,./\(folder)\r\n"
            }
            try tree.text("manifest-1700000000/metadata.csv", metadata)
        }
        if layout == .kaggle {
            // dicom_info.csv names each JPEG's subject; the ROI of P_00002 is found only through it (its folder is renamed).
            let roi3 = disk(Self.roi3 + "000000.dcm", .kaggle, full: false).split(separator: "/")
            let renamed = "jpeg/1.2.999/"
            for name in ["1-1.jpg", "1-2.jpg"] {
                let old = tree.root.appendingPathComponent("jpeg/\(roi3[1])/\(name)")
                try tree.write(renamed + name, Data(contentsOf: old))
                try FileManager.default.removeItem(at: old)
            }
            try tree.text("csv/dicom_info.csv", "file_path,image_path,PatientID,SeriesDescription\n"
                + "CBIS-DDSM/dicom/x.dcm,CBIS-DDSM/\(renamed)1-1.jpg,Calc-Test_P_00002_RIGHT_MLO_1,cropped images\n"
                + "CBIS-DDSM/dicom/y.dcm,CBIS-DDSM/\(renamed)1-2.jpg,Calc-Test_P_00002_RIGHT_MLO_1,ROI mask images\n")
        }
        return tree
    }

    func columns(_ split: String, _ kind: String, _ laterality: String, _ view: String, _ id: String, _ pathology: String,
                 _ assessment: String, _ subtlety: String, _ density: String, mask: String) -> [String: String] {
        ["split": split, "abnormality": kind, "laterality": laterality, "view": view, "abnormality_id": id, "pathology": pathology,
         "assessment": assessment, "subtlety": subtlety, "breast_density": density, "mask": mask]
    }

    func testROIRowsInEveryLayout() throws {
        for layout in Layout.allCases {
            let tree = try makeTree(layout)
            let manifest = try CBISDDSMAdapter(images: .roi).read(root: tree.root)
            let d = { (path: String) -> String in
                let disk = self.disk(path, layout, full: false)
                return layout == .kaggle && path.hasPrefix(Self.roi3) ? "jpeg/1.2.999/" + disk.split(separator: "/").last! : disk
            }
            let expected = [
                ManifestRow(path: d(Self.roi1 + "000000.dcm"), label: "malignant", patient: "P_00001",
                            columns: columns("train", "mass", "LEFT", "CC", "1", "MALIGNANT", "4", "5", "3", mask: d(Self.roi1 + "000001.dcm"))),
                ManifestRow(path: d(Self.roi2 + "000001.dcm"), label: "benign", patient: "P_00001",
                            columns: columns("train", "mass", "LEFT", "CC", "2", "BENIGN", "3", "4", "3", mask: d(Self.roi2 + "000000.dcm"))),
                ManifestRow(path: d(Self.roi3 + "000000.dcm"), label: "benign", patient: "P_00002",
                            columns: columns("test", "calc", "RIGHT", "MLO", "1", "BENIGN_WITHOUT_CALLBACK", "2", "3", "2",
                                             mask: d(Self.roi3 + "000001.dcm"))),
            ].sorted { $0.path < $1.path }
            XCTAssertEqual(manifest.rows, expected, "\(layout)")
            XCTAssertEqual(manifest.skipped, [
                SkippedFile(path: "Calc-Test_P_00003_RIGHT_MLO/1.2/1.3/000000.dcm",
                            reason: "\(layout == .kaggle ? "csv/" : "")calc_case_description_test_set.csv:3: unknown pathology `UNSURE`"),
                SkippedFile(path: "Calc-Test_P_00004_LEFT_CC_1/1.2/1.5/000000.dcm",
                            reason: "\(layout == .kaggle ? "csv/" : "")calc_case_description_test_set.csv:4: cropped image not found below the root"),
            ], "\(layout)")
            XCTAssertEqual(manifest.notes, ["1 rows list the ROI mask as the cropped image (and vice versa); told apart by content"], "\(layout)")
        }
    }

    func testFullMammogramRows() throws {
        for layout in [Layout.classic, .current] {
            let tree = try makeTree(layout)
            let manifest = try CBISDDSMAdapter(images: .full).read(root: tree.root)
            XCTAssertEqual(manifest.rows, [
                ManifestRow(path: disk(Self.full2, layout, full: true), label: "benign", patient: "P_00002",
                            columns: columns("test", "calc", "RIGHT", "MLO", "1", "BENIGN_WITHOUT_CALLBACK", "2", "3", "2", mask: "")),
                ManifestRow(path: disk(Self.full1, layout, full: true), label: "malignant", patient: "P_00001",
                            columns: columns("train", "mass", "LEFT", "CC", "1;2", "MALIGNANT", "4", "5", "3", mask: "")),
            ].sorted { $0.path < $1.path }, "\(layout)")
            XCTAssertEqual(manifest.skipped.map(\.path), ["Calc-Test_P_00003_RIGHT_MLO/1.2/1.3/000000.dcm",
                                                          "Calc-Test_P_00004_LEFT_CC/1.2/1.4/000000.dcm"])
        }
    }

    func testAbnormalityFilterAndCorruptFiles() throws {
        let tree = try makeTree(.classic)
        let masses = try CBISDDSMAdapter(abnormality: .mass, images: .full).read(root: tree.root)
        XCTAssertEqual(masses.rows.map(\.patient), ["P_00001"])
        XCTAssertEqual(masses.skipped, [])
        try tree.write("CBIS-DDSM/" + Self.full1, Data([1, 2, 3]))
        let broken = try CBISDDSMAdapter(abnormality: .mass, images: .full).read(root: tree.root)
        XCTAssertEqual(broken.rows, [])
        XCTAssertEqual(broken.skipped, [SkippedFile(path: "CBIS-DDSM/" + Self.full1, reason: "not a PNG, JPEG or DICOM image")])
    }

    func testNoCSVIsAnError() throws {
        let tree = try TestTree(self)
        try tree.text("readme.txt", "x")
        XCTAssertThrowsError(try CBISDDSMAdapter().read(root: tree.root)) { error in
            XCTAssertTrue("\(error)".contains("none of the case-description CSVs found"), "\(error)")
        }
    }
}
