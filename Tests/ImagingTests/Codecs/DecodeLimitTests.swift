import Foundation
import XCTest
@testable import Imaging

/// Headers that promise more pixels than their file can hold are refused before anything is allocated.
final class DecodeLimitTests: XCTestCase {
    /// The most memory this process has held so far, in MB.
    private var peakMB: Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss / 1024
    }

    func testAPNGDeclaringHugeDimensionsIsRefusedWithoutTheAllocation() throws {
        // Valid signature, IHDR (with its CRC), a tiny IDAT and IEND: 100,000 x 100,000 and 20,000 x 20,000 RGB.
        let files = [
            "iVBORw0KGgoAAAANSUhEUgABhqAAAYagCAIAAAAnMJyfAAAADElEQVR4nGNgoD0AAABkAAGGZDw1AAAAAElFTkSuQmCC": "100000x100000",
            "iVBORw0KGgoAAAANSUhEUgAATiAAAE4gCAIAAABsEtFuAAAADElEQVR4nGNgoD0AAABkAAGGZDw1AAAAAElFTkSuQmCC": "20000x20000",
        ]
        let before = peakMB
        for (base64, size) in files {
            let data = try XCTUnwrap(Data(base64Encoded: base64))
            XCTAssertThrowsError(try PNGCodec.decode(data, file: "bomb.png")) { error in
                XCTAssertTrue("\(error)".contains("its header declares \(size) pixels"), "\(error)")
                XCTAssertTrue("\(error)".contains("more than a \(data.count)-byte PNG file can hold; the file is damaged or crafted"), "\(error)")
            }
        }
        // 20,000 x 20,000 RGBA is 1.5 GB: had it been allocated (and zeroed), the peak would show it.
        XCTAssertLessThan(peakMB - before, 100, "decoding the refused headers raised the peak memory")
    }

    func testAJPEGDeclaringHugeDimensionsIsRefused() throws {
        let small = try Image(width: 16, height: 16, format: .rgb8, bytes: [UInt8](repeating: 128, count: 16 * 16 * 3))
        var data = [UInt8](try JPEGCodec.encode(small))
        // The baseline frame header (FFC0): length (2), precision (1), height (2), width (2).
        let sof = try XCTUnwrap((0..<(data.count - 1)).first { data[$0] == 0xFF && data[$0 + 1] == 0xC0 })
        for (offset, value) in [(sof + 5, 20000), (sof + 7, 20000)] {
            data[offset] = UInt8(value >> 8)
            data[offset + 1] = UInt8(value & 0xFF)
        }
        XCTAssertThrowsError(try JPEGCodec.decode(Data(data), file: "bomb.jpg")) { error in
            XCTAssertTrue("\(error)".contains("its header declares 20000x20000 pixels (1144 MB decoded), more than a \(data.count)-byte JPEG file can hold"), "\(error)")
        }
    }

    func testTheMostCompressibleRealImageStaysWithinTheLimit() throws {
        // A flat image is the best case for deflate; it must still decode, with margin below the limit.
        let flat = try Image(width: 4096, height: 4096, format: .gray8, bytes: [UInt8](repeating: 7, count: 4096 * 4096))
        let png = try PNGCodec.encode(flat)
        XCTAssertLessThan(4096 * 4096 / png.count, DecodeLimit.expansion, "deflate expanded a flat image beyond the limit")
        XCTAssertEqual(try PNGCodec.decode(png, file: "flat.png").width, 4096)
    }
}
