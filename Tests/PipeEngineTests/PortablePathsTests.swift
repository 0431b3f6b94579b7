import Foundation
import XCTest
@testable import PipeEngine
import PipeSpec

final class PortablePathsTests: XCTestCase {
    private let paths = PortablePaths(base: URL(fileURLWithPath: "/home/ann/proj/pipelines"), store: URL(fileURLWithPath: "/home/ann/proj/.pipe"))

    func testPathsBecomeRelativeToThePipelineFolderOrTheStore() {
        XCTAssertEqual(paths.portable("/home/ann/proj/data/a.png"), "../data/a.png")
        XCTAssertEqual(paths.portable("/home/ann/proj/pipelines/local/b.png"), "local/b.png")
        XCTAssertEqual(paths.portable("/home/ann/proj/pipelines"), ".")
        XCTAssertEqual(paths.portable("/home/ann/proj/.pipe/objects/k/out/x.png"), "store:objects/k/out/x.png")
        XCTAssertEqual(paths.portable("/mnt/disk/data/c.png"), "/mnt/disk/data/c.png", "nothing but / in common: stays absolute")
        XCTAssertEqual(paths.portable("/home/ann/proj/data/../data/./a.png"), "../data/a.png")
        XCTAssertEqual(paths.portable("/home/ann/proj/.pipex/y"), "../.pipex/y", "a sibling named like the store is not in it")
        XCTAssertEqual(paths.portable(""), "")
    }

    func testStoredFormsResolveAgainstTheNewPlaceAfterAMove() {
        let moved = PortablePaths(base: URL(fileURLWithPath: "/tmp/copy/pipelines"), store: URL(fileURLWithPath: "/tmp/copy/.pipe"))
        for path in ["/home/ann/proj/data/a.png", "/home/ann/proj/.pipe/objects/k/out/x.png", "/mnt/disk/c.png", "/home/ann/proj/pipelines"] {
            XCTAssertEqual(paths.absolute(paths.portable(path)), path)
        }
        XCTAssertEqual(moved.absolute(paths.portable("/home/ann/proj/data/a.png")), "/tmp/copy/data/a.png")
        XCTAssertEqual(moved.absolute(paths.portable("/home/ann/proj/.pipe/objects/k/out/x.png")), "/tmp/copy/.pipe/objects/k/out/x.png")
        XCTAssertEqual(moved.absolute("/mnt/disk/c.png"), "/mnt/disk/c.png")
    }

    func testKeysOfAMovedPipelineAreEqual() {
        let here = KeyParts(kind: "command", version: 1, params: .null, seed: 1, upstream: [:],
                            inputs: [paths.portable("/home/ann/proj/data"): "tree-1"])
        let moved = PortablePaths(base: URL(fileURLWithPath: "/tmp/copy/pipelines"), store: nil)
        let there = KeyParts(kind: "command", version: 1, params: .null, seed: 1, upstream: [:],
                             inputs: [moved.portable("/tmp/copy/data"): "tree-1"])
        XCTAssertEqual(here.key, there.key)
    }
}
