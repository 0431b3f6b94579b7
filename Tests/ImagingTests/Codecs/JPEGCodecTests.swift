import Foundation
import XCTest
@testable import Imaging

final class JPEGCodecTests: XCTestCase {
    func testDecodesLikePillow() throws {
        let cases = try XCTUnwrap(Fixtures.expected["jpeg"] as? [String: [String: Any]])
        for (name, expected) in cases {
            let image = try ImageDecoder.decode(contentsOf: Fixtures.url(name))
            XCTAssertEqual(image.format.rawValue, expected["format"] as? String, name)
            let pixels = try XCTUnwrap(expected["pixels"] as? [Int])
            XCTAssertEqual(pixels.count, image.bytes.count, name)
            let worst = zip(pixels, image.bytes).map { abs($0 - Int($1)) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, 1, name)
        }
    }

    func testTruncatedJPEGIsAnError() throws {
        XCTAssertThrowsError(try ImageDecoder.decode(contentsOf: Fixtures.url("truncated.jpg"))) { error in
            guard case let .corrupt(file, format, _) = error as? ImagingError else { return XCTFail("\(error)") }
            XCTAssertTrue(file.hasSuffix("truncated.jpg")); XCTAssertEqual(format, "JPEG")
        }
        let good = try Fixtures.data("photo.jpg")
        for cut in [3, 20, 200] {
            XCTAssertThrowsError(try JPEGCodec.decode(good.prefix(cut), file: "cut.jpg"), "\(cut) bytes")
        }
        var garbage = good
        for i in 150..<min(400, garbage.count - 2) { garbage[i] = 0xFF }
        XCTAssertThrowsError(try JPEGCodec.decode(garbage, file: "garbage.jpg"))
    }

    func testTwelveBitJPEGIsUnsupportedNotCorrupt() throws {
        var data = [UInt8](try Fixtures.data("photo.jpg"))
        let sof = try XCTUnwrap((0..<(data.count - 1)).first { data[$0] == 0xFF && (0xC0...0xC2).contains(data[$0 + 1]) })
        data[sof + 4] = 12  // sample precision
        XCTAssertThrowsError(try JPEGCodec.decode(Data(data), file: "twelve.jpg")) { error in
            guard case .unsupported(let file, let detail) = error as? ImagingError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, "twelve.jpg")
            XCTAssertTrue(detail.hasPrefix("a 12-bit JPEG (TurboJPEG: "), detail)
            XCTAssertTrue(detail.hasSuffix("convert it to 8-bit JPEG or 16-bit PNG"), detail)
        }
    }

    func testCMYKConversionFollowsTheAdobeInversion() {
        // Cyan ink only: red goes, green and blue stay; then full black.
        XCTAssertEqual(JPEGCodec.rgb(fromCMYK: [255, 0, 0, 0, 0, 0, 0, 255], inverted: false), [0, 255, 255, 0, 0, 0])
        XCTAssertEqual(JPEGCodec.rgb(fromCMYK: [0, 255, 255, 255], inverted: true), [0, 255, 255])
        XCTAssertEqual(JPEGCodec.rgb(fromCMYK: [128, 0, 0, 64], inverted: false), [95, 191, 191])
    }

    func testEncodeRoundTripIsClose() throws {
        let source = try ImageDecoder.decode(contentsOf: Fixtures.url("rgb8.png"))
        let data = try JPEGCodec.encode(source, quality: 100)
        let back = try JPEGCodec.decode(data, file: "q100.jpg")
        XCTAssertEqual(back.format, .rgb8)
        let mean = zip(source.bytes, back.bytes).map { abs(Double($0) - Double($1)) }.reduce(0, +) / Double(source.bytes.count)
        XCTAssertLessThan(mean, 3)
        let grey = try JPEGCodec.decode(JPEGCodec.encode(source.converted(to: .gray8)), file: "g.jpg")
        XCTAssertEqual(grey.format, .gray8)
    }
}
