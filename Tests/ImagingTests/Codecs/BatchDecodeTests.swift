import Foundation
import PipeBase
import XCTest
@testable import Imaging

final class BatchDecodeTests: XCTestCase {
    func testDecodesInOrderWithErrorsInPlace() throws {
        let names = ["rgb8.png", "truncated.jpg", "photo.jpg", "mono2_explicit16.dcm", "expected.json", "gray16.png"]
        let results = ImageDecoder.decodeAll(names.map(Fixtures.url), as: .rgb8, resizeTo: (5, 4))
        XCTAssertEqual(results.count, names.count)
        for (name, result) in zip(names, results) {
            switch result {
            case let .success(image):
                XCTAssertFalse(["truncated.jpg", "expected.json"].contains(name), name)
                XCTAssertEqual([image.width, image.height], [5, 4]); XCTAssertEqual(image.format, .rgb8)
            case let .failure(error):
                XCTAssertTrue(["truncated.jpg", "expected.json"].contains(name), "\(name): \(error)")
                XCTAssertTrue("\(error)".contains(name), "\(error)")
            }
        }
    }

    func testParallelMapKeepsOrder() {
        XCTAssertEqual(Parallel.map(1000) { $0 * $0 }, (0..<1000).map { $0 * $0 })
        XCTAssertEqual(Parallel.map(0) { $0 }, [])
    }
}
