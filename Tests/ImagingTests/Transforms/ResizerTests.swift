import Foundation
import XCTest
@testable import Imaging

final class ResizerTests: XCTestCase {
    /// Pillow `resize(BILINEAR, reducing_gap=None)` outputs, down, up and mixed: mean absolute difference ≤ 1 grey level.
    func testMatchesPillowBilinear() throws {
        let cases = try XCTUnwrap(Fixtures.expected["resize"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 10)
        for entry in cases {
            let source = try ImageDecoder.decode(contentsOf: Fixtures.url(try XCTUnwrap(entry["source"] as? String)))
            let expected = try ImageDecoder.decode(contentsOf: Fixtures.url(try XCTUnwrap(entry["expected"] as? String)))
            let width = try XCTUnwrap(entry["width"] as? Int), height = try XCTUnwrap(entry["height"] as? Int)
            let resized = try Resizer.resize(source, width: width, height: height)
            XCTAssertEqual(resized.format, expected.format)
            XCTAssertEqual([resized.width, resized.height], [expected.width, expected.height])
            let differences = zip(resized.bytes, expected.bytes).map { abs(Int($0) - Int($1)) }
            let mean = Double(differences.reduce(0, +)) / Double(differences.count)
            XCTAssertLessThanOrEqual(mean, 1, "\(entry["expected"]!)")
            XCTAssertLessThanOrEqual(differences.max() ?? 0, 2, "\(entry["expected"]!)")
        }
    }

    func testReductionAveragesEveryPixel() throws {
        // A one-pixel checkerboard shrunk 4x must become flat grey, not an aliased pattern.
        let size = 16
        let bytes = (0..<(size * size)).map { i in UInt8((i % size + i / size) % 2 == 0 ? 255 : 0) }
        let board = try Image(width: size, height: size, format: .gray8, bytes: bytes)
        let small = try Resizer.resize(board, width: 4, height: 4)
        for v in small.bytes { XCTAssertEqual(Int(v), 128, accuracy: 12) }
    }

    func testSixteenBitAndIdentity() throws {
        let image = try Image(width: 2, height: 1, format: .gray16, words: [0, 65535])
        let wide = try Resizer.resize(image, width: 4, height: 1)
        XCTAssertEqual(wide.format, .gray16)
        XCTAssertEqual(wide.words.first, 0); XCTAssertEqual(wide.words.last, 65535)
        XCTAssertEqual(try Resizer.resize(image, width: 2, height: 1), image)
        XCTAssertThrowsError(try Resizer.resize(image, width: 0, height: 3))
    }
}
