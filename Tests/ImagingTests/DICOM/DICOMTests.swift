import Foundation
import XCTest
@testable import Imaging

final class DICOMTests: XCTestCase {
    func testPydicomWrittenFixtures() throws {
        let cases = try XCTUnwrap(Fixtures.expected["dicom"] as? [String: [String: Any]])
        XCTAssertEqual(Set(cases.keys), ["mono2_explicit16.dcm", "mono1_implicit8.dcm", "signed16.dcm"])
        for (name, expected) in cases {
            let dicom = try DICOMImage(contentsOf: Fixtures.url(name))
            XCTAssertEqual(dicom.width, expected["width"] as? Int, name)
            XCTAssertEqual(dicom.height, expected["height"] as? Int, name)
            XCTAssertEqual(dicom.stored.map(Int.init), expected["stored"] as? [Int], name)
            let display = dicom.displayImage().bytes.map(Int.init)
            let wanted = try XCTUnwrap(expected["display8"] as? [Int])
            XCTAssertEqual(display.count, wanted.count, name)
            XCTAssertLessThanOrEqual(zip(display, wanted).map { abs($0 - $1) }.max() ?? 0, 1, name)
        }
    }

    func testAttributesAndSyntaxes() throws {
        let explicit = try DICOMFile(contentsOf: Fixtures.url("mono2_explicit16.dcm"))
        XCTAssertEqual(explicit.transferSyntax, DICOMFile.explicitLittle)
        XCTAssertEqual(explicit.string(.patientID), "Mass-Training_P_00001_LEFT_CC")
        let image = try DICOMImage(explicit)
        XCTAssertEqual(image.slope, 2); XCTAssertEqual(image.intercept, -100)
        XCTAssertEqual(image.window?.center, 3000); XCTAssertEqual(image.bitsStored, 12)
        let implicit = try DICOMImage(contentsOf: Fixtures.url("mono1_implicit8.dcm"))
        XCTAssertEqual(implicit.file.transferSyntax, DICOMFile.implicitLittle)
        XCTAssertEqual(implicit.photometric, "MONOCHROME1")
        XCTAssertNil(implicit.window)
        let signed = try DICOMImage(contentsOf: Fixtures.url("signed16.dcm"))
        XCTAssertTrue(signed.signed)
        XCTAssertLessThan(signed.stored.min() ?? 0, 0)
        XCTAssertEqual(signed.window?.width, 400)
    }

    func testMonochromeOneIsInverted() throws {
        let dicom = try DICOMImage(contentsOf: Fixtures.url("mono1_implicit8.dcm"))
        let display = dicom.displayImage()
        let darkest = dicom.stored.firstIndex(of: dicom.stored.max()!)!
        XCTAssertEqual(display.bytes[darkest], 0)
    }

    func testCompressedSyntaxIsRefusedByUID() throws {
        XCTAssertThrowsError(try ImageDecoder.decode(contentsOf: Fixtures.url("jpeg_baseline.dcm"))) { error in
            guard case let .unsupportedTransferSyntax(file, uid) = error as? ImagingError else { return XCTFail("\(error)") }
            XCTAssertTrue(file.hasSuffix("jpeg_baseline.dcm"))
            XCTAssertEqual(uid, "1.2.840.10008.1.2.4.50")
            XCTAssertTrue("\(error)".contains("unsupported transfer syntax 1.2.840.10008.1.2.4.50"))
        }
    }

    func testTruncatedDICOMIsAnError() throws {
        let data = try Fixtures.data("mono2_explicit16.dcm")
        for cut in [140, 300, data.count - 10] {
            XCTAssertThrowsError(try DICOMImage(DICOMFile(data: data.prefix(cut), file: "cut.dcm")), "\(cut)") { error in
                guard case let .corrupt(file, _, _) = error as? ImagingError else { return XCTFail("\(error)") }
                XCTAssertEqual(file, "cut.dcm")
            }
        }
    }

    func testDeeplyNestedSequencesAreAnErrorNotAStackOverflow() throws {
        // Implicit VR: a sequence (0008,1115) of undefined length holding an item of undefined length holding the
        // next sequence..., closed by item and sequence delimiters.
        func nested(_ depth: Int) -> Data {
            let open: [UInt8] = [0x08, 0x00, 0x15, 0x11, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]
            let close: [UInt8] = [0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0, 0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]
            return Data(Array([[UInt8]](repeating: open, count: depth).joined()) + Array([[UInt8]](repeating: close, count: depth).joined()))
        }
        XCTAssertNoThrow(try DICOMFile(data: nested(10), file: "ten.dcm"))
        XCTAssertThrowsError(try DICOMFile(data: nested(200_000), file: "deep.dcm")) { error in
            XCTAssertEqual("\(error)", "\(ImagingError.corrupt(file: "deep.dcm", format: "DICOM", detail: "sequences nested more than 64 deep at byte 1032"))")
        }
    }

    func testWriterRoundTrip() throws {
        let image = try Image(width: 3, height: 2, format: .gray16, words: [0, 100, 4095, 65535, 7, 8])
        var writer = DICOMWriter(attributes: [.patientID: "P_00042", .seriesInstance: "1.2.3.45"])
        let data = try writer.encode(image)
        let back = try DICOMImage(DICOMFile(data: data, file: "w.dcm"))
        XCTAssertEqual(back.stored, [0, 100, 4095, 65535, 7, 8])
        XCTAssertEqual(back.file.string(.patientID), "P_00042")
        XCTAssertEqual(back.file.string(.seriesInstance), "1.2.3.45")
        writer.photometric = "MONOCHROME1"
        let eight = try Image(width: 3, height: 1, format: .gray8, bytes: [0, 128, 255])
        let decoded = try ImageDecoder.decode(writer.encode(eight), file: "m1.dcm")
        XCTAssertEqual(decoded.bytes, [255, 127, 0])
    }

    /// pydicom's bundled uncompressed files, read in place (never copied); skipped without pydicom.
    func testPydicomBundledFiles() throws {
        let info = try Fixtures.json("pydicom_files.json")
        let folder = ProcessInfo.processInfo.environment["PYDICOM_TEST_FILES"] ?? (info["folder"] as? String ?? "")
        guard FileManager.default.fileExists(atPath: folder) else { throw XCTSkip("pydicom test files not found at \(folder)") }
        let readable = try XCTUnwrap(info["readable"] as? [String: [String: Any]])
        XCTAssertGreaterThanOrEqual(readable.count, 4)
        for (name, expected) in readable {
            let dicom = try DICOMImage(contentsOf: URL(fileURLWithPath: folder).appendingPathComponent(name))
            XCTAssertEqual(dicom.width, expected["width"] as? Int, name)
            XCTAssertEqual(dicom.height, expected["height"] as? Int, name)
            XCTAssertEqual(dicom.stored.reduce(0) { $0 + Int($1) }, expected["sum"] as? Int, name)
            XCTAssertEqual(dicom.stored.min().map(Int.init), expected["min"] as? Int, name)
            XCTAssertEqual(dicom.stored.max().map(Int.init), expected["max"] as? Int, name)
            XCTAssertEqual(dicom.stored.prefix(8).map(Int.init), expected["first"] as? [Int], name)
        }
        let unsupported = try XCTUnwrap(info["unsupported"] as? [String: String])
        for (name, uid) in unsupported {
            XCTAssertThrowsError(try DICOMFile(contentsOf: URL(fileURLWithPath: folder).appendingPathComponent(name)), name) { error in
                XCTAssertEqual(error as? ImagingError, .unsupportedTransferSyntax(file: folder + "/" + name, uid: uid))
            }
        }
        XCTAssertThrowsError(try DICOMImage(contentsOf: URL(fileURLWithPath: folder).appendingPathComponent("MR_truncated.dcm")))
    }
}
