import Foundation
import XCTest
@testable import PipeEngine
import PipeSpec

final class PipelineStateTests: XCTestCase {
    private var top: URL!

    override func setUpWithError() throws {
        top = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: top.appendingPathComponent(".pipe"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: top) }

    func testTheStateNamesThePipelineRelativeToTheStoreAndFollowsAMove() throws {
        let root = top.appendingPathComponent(".pipe")
        let file = top.appendingPathComponent("pipelines/p.yaml").path
        var state = PipelineState.load(root: root, pipeline: "p", file: file)
        XCTAssertEqual(state.file, "../pipelines/p.yaml")
        state.stages["s"] = .init(key: "k", outputHash: "h", parts: KeyParts(kind: "command", version: 1, params: .null, seed: 1, upstream: [:], inputs: [:]),
                                  seconds: 1, finished: Date(), history: [])
        try state.save(root: root)
        let moved = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-state-moved-\(UUID().uuidString)")
        try FileManager.default.moveItem(at: top, to: moved)
        top = moved
        let again = PipelineState.load(root: moved.appendingPathComponent(".pipe"), pipeline: "p", file: moved.appendingPathComponent("pipelines/p.yaml").path)
        XCTAssertEqual(again.stages["s"]?.key, "k")
        XCTAssertEqual(again.fileURL(root: moved.appendingPathComponent(".pipe")).path, moved.appendingPathComponent("pipelines/p.yaml").path)
    }

    func testAStateNamedAfterTheAbsolutePathIsStillFound() throws {
        let root = top.appendingPathComponent(".pipe")
        let file = top.appendingPathComponent("p.yaml").path
        var legacy = PipelineState(pipeline: "p", file: file)
        legacy.stages["s"] = .init(key: "old", outputHash: "h", parts: KeyParts(kind: "command", version: 1, params: .null, seed: 1, upstream: [:], inputs: [:]),
                                   seconds: 1, finished: Date(), history: [])
        try legacy.save(root: root)
        let loaded = PipelineState.load(root: root, pipeline: "p", file: file)
        XCTAssertEqual(loaded.stages["s"]?.key, "old")
        XCTAssertEqual(loaded.file, "../p.yaml")
    }
}
