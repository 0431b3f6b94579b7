import Foundation
import XCTest
@testable import Imaging

final class PNGCodecTests: XCTestCase {
    func testDecodesPillowWrittenFilesExactly() throws {
        let cases = try XCTUnwrap(Fixtures.expected["png"] as? [String: [String: Any]])
        XCTAssertEqual(cases.count, 5)
        for (name, expected) in cases {
            let image = try ImageDecoder.decode(contentsOf: Fixtures.url(name))
            XCTAssertEqual(image.format.rawValue, expected["format"] as? String, name)
            let pixels = try XCTUnwrap(expected["pixels"] as? [Int])
            let actual = image.format.isSixteenBit ? image.words.map(Int.init) : image.bytes.map(Int.init)
            XCTAssertEqual(actual, pixels, name)
        }
    }

    func testSixteenBitKeepsPrecisionWhereAsked() throws {
        let sixteen = try PNGCodec.decode(Fixtures.data("gray16.png"), file: "gray16.png", as: .gray16)
        XCTAssertEqual(sixteen.width, 6)
        XCTAssertEqual(sixteen.words.first, 0)
        XCTAssertEqual(sixteen.words.last, 65535)
        XCTAssertEqual(sixteen.words[1], 2858)
        let floats = sixteen.floatSamples(channels: 1)
        XCTAssertEqual(floats[1], Float(2858) / 257, accuracy: 1e-4)
        let eight = try PNGCodec.decode(Fixtures.data("gray16.png"), file: "gray16.png", as: .gray8)
        XCTAssertEqual(eight.bytes.map(Int.init), sixteen.words.map { (Int($0) + 128) / 257 })
        let rgb = sixteen.converted(to: .rgb16)
        XCTAssertEqual(Array(rgb.words[3..<6]), [2858, 2858, 2858])
    }

    func testRoundTripsEveryFormat() throws {
        let grey8 = try Image(width: 3, height: 2, format: .gray8, bytes: [0, 1, 2, 128, 254, 255])
        let rgb8 = try Image(width: 2, height: 1, format: .rgb8, bytes: [1, 2, 3, 250, 251, 252])
        let grey16 = try Image(width: 2, height: 2, format: .gray16, words: [0, 1, 40000, 65535])
        let rgb16 = try Image(width: 1, height: 2, format: .rgb16, words: [0, 257, 65535, 12345, 54321, 7])
        for image in [grey8, rgb8, grey16, rgb16] {
            for fast in [false, true] {
                let data = try PNGCodec.encode(image, fast: fast)
                XCTAssertEqual(try PNGCodec.decode(data, file: "roundtrip.png"), image, "\(image.format) fast \(fast)")
            }
        }
    }

    func testTruncatedAndDamagedFilesAreErrorsNamingTheFile() throws {
        let good = try Fixtures.data("rgb8.png")
        for cut in [good.count - 20, good.count / 2, 40, 9] {
            XCTAssertThrowsError(try PNGCodec.decode(good.prefix(cut), file: "cut.png")) { error in
                guard case let .corrupt(file, format, _) = error as? ImagingError else { return XCTFail("\(error)") }
                XCTAssertEqual(file, "cut.png"); XCTAssertEqual(format, "PNG")
                XCTAssertTrue("\(error)".hasPrefix("cut.png: corrupt or truncated PNG"), "\(error)")
            }
        }
        var flipped = good
        flipped[flipped.count - 30] ^= 0xFF
        XCTAssertThrowsError(try PNGCodec.decode(flipped, file: "crc.png"))
        XCTAssertThrowsError(try ImageDecoder.decode(Data("hello, not an image\n".utf8), file: "notes.txt")) { error in
            XCTAssertEqual(error as? ImagingError, .unknownFormat(file: "notes.txt"))
        }
        XCTAssertThrowsError(try ImageDecoder.decode(Data(), file: "empty.png"))
        XCTAssertThrowsError(try ImageDecoder.decode(contentsOf: Fixtures.url("missing.png"))) { error in
            guard case .unreadable = error as? ImagingError else { return XCTFail("\(error)") }
        }
    }

    func testFormatIsSniffedFromContentNotName() throws {
        let image = try ImageDecoder.decode(Fixtures.data("rgb8.png"), file: "looks-like.jpg")
        XCTAssertEqual(image.format, .rgb8)
        XCTAssertEqual(ImageFileType(sniffing: try Fixtures.data("photo.jpg")), .jpeg)
        XCTAssertEqual(ImageFileType(sniffing: try Fixtures.data("mono1_implicit8.dcm")), .dicom)
    }

    func testLumaAndReplicationConversions() throws {
        let rgb = try Image(width: 2, height: 1, format: .rgb8, bytes: [255, 0, 0, 10, 200, 30])
        XCTAssertEqual(rgb.converted(to: .gray8).bytes, [76, 124])
        XCTAssertEqual(rgb.rgbBytes(), rgb.bytes)
        let grey = try Image(width: 1, height: 1, format: .gray8, bytes: [7])
        XCTAssertEqual(grey.rgbBytes(), [7, 7, 7])
        XCTAssertEqual(grey.converted(to: .gray16).words, [7 * 257])
        XCTAssertThrowsError(try Image(width: 2, height: 2, format: .gray8, bytes: [1]))
    }
}
