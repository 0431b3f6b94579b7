import XCTest
@testable import Datasets

final class BreakHisNameTests: XCTestCase {
    func testParsesOfficialNames() throws {
        let name = try XCTUnwrap(BreakHisName(fileName: "BreaKHis_v1/x/SOB_B_A-14-22549AB-40-001.png"))
        XCTAssertEqual(name, BreakHisName(malignant: false, subtype: "A", year: "14", slide: "22549AB", magnification: 40, sequence: 1))
        XCTAssertEqual(name.patient, "22549")
        XCTAssertEqual(BreakHisName(fileName: "SOB_B_A-14-22549CD-100-012.png")?.patient, "22549")
        let malignant = try XCTUnwrap(BreakHisName(fileName: "SOB_M_PC-14-15704-400-010.PNG"))
        XCTAssertEqual([malignant.subtype, malignant.slide, malignant.subtypeName, malignant.tumorClass],
                       ["PC", "15704", "papillary_carcinoma", "malignant"])
        XCTAssertEqual(malignant.magnification, 400)
    }

    func testRejectsMalformedNames() {
        for bad in ["SOB_B_DC-14-22549AB-40-001.png", "SOB_X_A-14-22549AB-40-001.png", "SOB_B_A-2014-22549AB-40-001.png",
                    "SOB_B_A-14-22549AB-50-001.png", "SOB_B_A-14-22549AB-40-.png", "SOB_B_A-14-AB-40-001.png",
                    "SOB_B_A-14-22549ab-40-001.png", "SOB_B_A-14-22549AB-40-0x1.png", "SOB_B_A_14-22549AB-40-001.png",
                    "image 1.png", "SOB_B_A-14-22549AB-+40-001.png"] {
            XCTAssertNil(BreakHisName(fileName: bad), bad)
        }
    }

    func testBuildsNamesAndFolders() {
        let name = BreakHisName(malignant: true, subtype: "DC", year: "14", slide: "13412", magnification: 200, sequence: 7)
        XCTAssertEqual(name.fileName, "SOB_M_DC-14-13412-200-007.png")
        XCTAssertEqual(name.directory, "histology_slides/breast/malignant/SOB/ductal_carcinoma/SOB_M_DC_14-13412/200X")
        XCTAssertEqual(BreakHisName(fileName: name.fileName), name)
    }
}
