import XCTest
@testable import Imaging

/// The augmentation ops: exact where they must be (flips, turns), identity at zero strength, seeded.
final class AugmentationTests: XCTestCase {
    private struct Random: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
    }

    /// A 5x3 RGB image whose every sample differs.
    private func image(width: Int = 5, height: Int = 3) throws -> Image {
        try Image(width: width, height: height, format: .rgb8, bytes: (0..<(width * height * 3)).map { UInt8(($0 * 37 + 11) % 256) })
    }

    private func pixel(_ image: Image, _ x: Int, _ y: Int) -> [UInt8] {
        (0..<3).map { image.bytes[(y * image.width + x) * 3 + $0] }
    }

    func testFlipsMoveEveryPixelAndUndoThemselves() throws {
        var random = Random(state: 1)
        let source = try image()
        let flipped = try Augmentation.flipHorizontal.apply(to: source, using: &random)
        XCTAssertEqual(pixel(flipped, 0, 1), pixel(source, 4, 1))
        XCTAssertEqual(try Augmentation.flipHorizontal.apply(to: flipped, using: &random), source)
        let vertical = try Augmentation.flipVertical.apply(to: source, using: &random)
        XCTAssertEqual(pixel(vertical, 2, 0), pixel(source, 2, 2))
    }

    func testQuarterTurnsAreExactRotations() throws {
        let source = try image()
        var seen = Set<Int>()
        for seed in 1...20 as ClosedRange<UInt64> {
            var random = Random(state: seed &* 0x9E37_79B9_7F4A_7C15 | 1)
            let turned = try Augmentation.rotate90.apply(to: source, using: &random)
            if turned.width == 3 {
                XCTAssertEqual(turned.height, 5)
                // A quarter turn either way sends the top-left corner to a corner of the 3x5 result.
                let corners = [pixel(turned, 0, 0), pixel(turned, 2, 0), pixel(turned, 0, 4), pixel(turned, 2, 4)]
                XCTAssertTrue(corners.contains(pixel(source, 0, 0)))
                seen.insert(pixel(turned, 2, 0) == pixel(source, 0, 0) ? 1 : 3)
            } else {
                XCTAssertEqual(pixel(turned, 0, 0), pixel(source, 4, 2), "a half turn")
                seen.insert(2)
            }
        }
        XCTAssertEqual(seen, [1, 2, 3])
    }

    func testZeroStrengthOpsChangeNothing() throws {
        var random = Random(state: 5)
        let source = try image(width: 16, height: 12)
        XCTAssertEqual(try Augmentation.brightnessContrast(brightness: 0, contrast: 0).apply(to: source, using: &random), source)
        XCTAssertEqual(try Augmentation.gamma(1...1).apply(to: source, using: &random), source)
        XCTAssertEqual(try Augmentation.rotate(degrees: 0).apply(to: source, using: &random), source)
        XCTAssertEqual(try Augmentation.randomResizedCrop(scale: 1...1, ratio: (16.0 / 12)...(16.0 / 12)).apply(to: source, using: &random), source)
        let stained = try Augmentation.hedJitter(sigma: 0).apply(to: source, using: &random)
        let worst = zip(stained.bytes, source.bytes).map { abs(Int($0) - Int($1)) }.max()!
        XCTAssertLessThanOrEqual(worst, 1, "colour deconvolution and back is lossless up to rounding")
    }

    func testStainJitterChangesColourAndIsSeeded() throws {
        let source = try image(width: 16, height: 12)
        var a = Random(state: 9), b = Random(state: 9), c = Random(state: 10)
        let first = try Augmentation.hedJitter(sigma: 0.05).apply(to: source, using: &a)
        XCTAssertNotEqual(first, source)
        XCTAssertEqual(first, try Augmentation.hedJitter(sigma: 0.05).apply(to: source, using: &b))
        XCTAssertNotEqual(first, try Augmentation.hedJitter(sigma: 0.05).apply(to: source, using: &c))
        XCTAssertEqual(StainJitter.invert([[2, 0, 0], [0, 4, 0], [0, 0, 0.5]]), [[0.5, 0, 0], [0, 0.25, 0], [0, 0, 2]])
    }

    func testGammaAndBrightnessMoveSamplesTheRightWay() throws {
        var random = Random(state: 3)
        let grey = try Image(width: 4, height: 1, format: .gray8, bytes: [0, 64, 128, 255])
        XCTAssertEqual(try Augmentation.gamma(2...2).apply(to: grey, using: &random).bytes, [0, 16, 64, 255])
        let shifted = try Augmentation.brightnessContrast(brightness: 0.2, contrast: 0).apply(to: grey, using: &random)
        XCTAssertEqual(Int(shifted.bytes[1]) - 64, Int(shifted.bytes[2]) - 128, "one shift for every unclamped sample")
        XCTAssertNotEqual(shifted.bytes[1], 64)
    }
}
