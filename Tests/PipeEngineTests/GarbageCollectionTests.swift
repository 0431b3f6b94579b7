import Foundation
import XCTest
@testable import PipeEngine

/// The store's own API decides what `pipe gc` removes and removes it; `latestResult` finds a stage's output.
final class GarbageCollectionTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-gc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// Commits a one-file result under a key made of `letter` and returns its meta record.
    private func commit(_ letter: Character, in workspace: Workspace, inputs: [String: String] = [:],
                        shelves: [String]? = nil) throws -> ArtifactMeta {
        let run = try workspace.store.makeRunFolder(stage: "s")
        try Data(String(letter).utf8).write(to: run.appendingPathComponent("out/r.txt"))
        let parts = KeyParts(kind: "command", version: 1, params: .object([:]), seed: 0, upstream: [:], inputs: inputs)
        let meta = ArtifactMeta(key: String(repeating: letter, count: 64), outputHash: "h\(letter)", stage: "s", pipeline: "p",
                                parts: parts, seconds: 1, created: Date(), shelves: shelves)
        _ = try workspace.store.commit(runFolder: run, meta: meta)
        return meta
    }

    func testKeepsTheLastResultsOfExistingPipelinesAndRemovesTheRest() throws {
        let workspace = try Workspace(root: folder.appendingPathComponent(".pipe"))
        let file = folder.appendingPathComponent("p.yaml")
        try Data("name: p\n".utf8).write(to: file)
        let older = try commit("a", in: workspace, inputs: ["data": "tree-old"])
        let newer = try commit("b", in: workspace, inputs: ["data": "tree-new"])
        let orphan = try commit("c", in: workspace)
        var state = workspace.runRecord(pipeline: "p", file: file)
        state.record(stage: "s", meta: older, finished: Date())
        state.record(stage: "s", meta: newer, finished: Date())
        try state.save(root: workspace.root)
        var gone = PipelineState(pipeline: "q", file: folder.appendingPathComponent("deleted.yaml").path)
        gone.record(stage: "s", meta: orphan, finished: Date())
        try gone.save(root: workspace.root)
        XCTAssertEqual(workspace.latestResult(of: "s", pipeline: "p", file: file)?.meta.key, newer.key)
        XCTAssertEqual(workspace.latestResult(of: "s", pipeline: "p", file: file)?.output, workspace.store.output(newer.key))

        let exists = { (path: String) in FileManager.default.fileExists(atPath: path) }
        let two = GarbageCollection(workspace, keepLast: 2, keepsPipeline: exists)
        XCTAssertEqual(two.doomed.map(\.key), [orphan.key])
        XCTAssertEqual(two.kept, 2)
        let one = GarbageCollection(workspace, keepLast: 1, keepsPipeline: exists)
        XCTAssertEqual(one.doomed.map(\.key), [older.key, orphan.key])
        XCTAssertEqual(one.doomed.map { $0.meta?.stage }, ["s", "s"])
        XCTAssertEqual(one.freedBytes, one.doomed.map { workspace.store.size(of: $0.key) }.reduce(0, +))
        XCTAssertGreaterThan(one.freedBytes, 0)

        let listings = TreeListings(root: workspace.root)
        for hash in ["tree-old", "tree-new"] {
            try FileManager.default.createDirectory(at: listings.folder, withIntermediateDirectories: true)
            try Data("h\tf\n".utf8).write(to: listings.folder.appendingPathComponent(hash))
        }
        let resume = workspace.store.resumeFolder(newer.key)
        try FileManager.default.createDirectory(at: resume, withIntermediateDirectories: true)
        one.apply(to: workspace)
        XCTAssertEqual(workspace.store.keys(), [newer.key])
        XCTAssertEqual(listings.hashes(), ["tree-new"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: resume.path))
        XCTAssertNil(workspace.result(older.key))
        XCTAssertEqual(workspace.latestResult(of: "s", pipeline: "p", file: file)?.meta.key, newer.key)

        let named = GarbageCollection(workspace, keepLast: 1) { _ in false }
        XCTAssertEqual(named.doomed.map(\.key), [newer.key], "no kept pipeline keeps nothing")
    }

    func testKeepsTheShelvesOfKeptResultsAndTheirCompleteEntriesOnly() throws {
        let workspace = try Workspace(root: folder.appendingPathComponent(".pipe"))
        let file = folder.appendingPathComponent("p.yaml")
        try Data("name: p\n".utf8).write(to: file)
        let older = try commit("a", in: workspace, shelves: ["old", "shared"])
        let newer = try commit("b", in: workspace, shelves: ["shared"])
        var state = workspace.runRecord(pipeline: "p", file: file)
        state.record(stage: "s", meta: older, finished: Date())
        state.record(stage: "s", meta: newer, finished: Date())
        try state.save(root: workspace.root)
        let shelves = workspace.root.appendingPathComponent("shelves")
        for name in ["old", "shared", "unused"] {
            let shelf = CacheShelf(name: name, in: shelves)
            let bytes: [UInt8] = Array(repeating: 7, count: 100)
            try bytes.withUnsafeBytes { try shelf.write("entry", parts: [$0]) }
        }
        let shared = CacheShelf(name: "shared", in: shelves)
        // A writer killed mid-entry (no process has PID 2^22 + 1 on Linux) and one still running (this one).
        try Data(count: 30).write(to: shared.folder.appendingPathComponent(".tmp-4194305-deadbeef"))
        try Data(count: 30).write(to: shared.folder.appendingPathComponent(".tmp-\(getpid())-live0001"))

        let collection = GarbageCollection(workspace, keepLast: 1) { FileManager.default.fileExists(atPath: $0) }
        XCTAssertEqual(collection.doomed.map(\.key), [older.key])
        XCTAssertEqual(collection.doomedShelves.map(\.name), ["old", "unused"])
        XCTAssertEqual(collection.doomedShelves.map(\.bytes), [100, 100])
        collection.apply(to: workspace)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: shelves.path), ["shared"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: shared.folder.path).sorted(),
                       [".tmp-\(getpid())-live0001", "entry"])
        XCTAssertEqual(try Data(contentsOf: shared.url("entry")), Data(repeating: 7, count: 100))
    }
}
