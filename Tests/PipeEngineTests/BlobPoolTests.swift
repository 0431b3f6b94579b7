import Foundation
import XCTest
@testable import PipeEngine

/// The store's blob pool through its own API: commits share identical large files, the store's size and gc's
/// freed bytes count a shared file once, damaged blobs are not spread, and a filesystem without hard links keeps
/// plain copies.
final class BlobPoolTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-blobs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    static let large = Data(repeating: 7, count: 100_000)

    /// Commits `files` under a key made of `letter` the way a stage's result is committed: seal, hash, pool, rename.
    @discardableResult
    private func commit(_ letter: Character, _ files: [String: Data], in workspace: Workspace) throws -> String {
        let run = try workspace.store.makeRunFolder(stage: "s")
        let out = run.appendingPathComponent("out")
        for (name, data) in files { try data.write(to: out.appendingPathComponent(name)) }
        workspace.store.seal(out)
        let sealed = try workspace.hasher.snapshot(of: out.path)
        let pooled = workspace.store.pool(out, snapshot: sealed, hasher: workspace.hasher)
        XCTAssertEqual(pooled.hash, sealed.hash)
        let key = String(repeating: letter, count: 64)
        let parts = KeyParts(kind: "command", version: 1, params: .object([:]), seed: 0, upstream: [:], inputs: [:])
        _ = try workspace.store.commit(runFolder: run, meta: ArtifactMeta(key: key, outputHash: sealed.hash, stage: "s", pipeline: "p",
                                                                         parts: parts, seconds: 1, created: Date()))
        return key
    }

    private func links(_ workspace: Workspace, _ key: String, _ name: String) -> FileLinks? {
        FileLinks.of(workspace.store.output(key).appendingPathComponent(name).path)
    }

    func testIdenticalFilesShareOneInodeAndGcCountsThemOnce() throws {
        let workspace = try Workspace(root: folder.appendingPathComponent(".pipe"))
        let a = try commit("a", ["big.bin": Self.large, "small.txt": Data("a".utf8)], in: workspace)
        let b = try commit("b", ["copy.bin": Self.large, "small.txt": Data("b".utf8)], in: workspace)
        XCTAssertEqual(links(workspace, a, "big.bin")?.inode, links(workspace, b, "copy.bin")?.inode)
        XCTAssertEqual(links(workspace, a, "big.bin")?.links, 3)
        XCTAssertEqual(links(workspace, a, "small.txt")?.links, 1)
        XCTAssertEqual(workspace.store.blobPool.blobs().count, 1)
        let usage = workspace.store.diskUsage()
        XCTAssertEqual(usage, workspace.store.size(of: a) + workspace.store.size(of: b) - Int64(Self.large.count))

        let file = folder.appendingPathComponent("p.yaml")
        try Data("name: p\n".utf8).write(to: file)
        var state = workspace.runRecord(pipeline: "p", file: file)
        state.record(stage: "s", meta: workspace.store.meta(a)!, finished: Date())
        try state.save(root: workspace.root)
        let exists = { (path: String) in FileManager.default.fileExists(atPath: path) }
        let dropB = GarbageCollection(workspace, keepLast: 1, keepsPipeline: exists)
        XCTAssertEqual(dropB.doomed.map(\.key), [b])
        XCTAssertEqual(dropB.freedBytes, workspace.store.size(of: b) - Int64(Self.large.count), "the shared file stays with a")
        dropB.apply(to: workspace)
        XCTAssertEqual(workspace.store.diskUsage(), usage - dropB.freedBytes)
        XCTAssertEqual(try Data(contentsOf: workspace.store.output(a).appendingPathComponent("big.bin")), Self.large)
        XCTAssertEqual(workspace.store.blobPool.blobs().count, 1)

        let dropAll = GarbageCollection(workspace, keepLast: 1) { _ in false }
        XCTAssertEqual(dropAll.freedBytes, workspace.store.size(of: a), "the last result frees the shared file")
        dropAll.apply(to: workspace)
        XCTAssertEqual(workspace.store.blobPool.blobs().count, 0)
        XCTAssertEqual(workspace.store.diskUsage(), 0)
    }

    func testADamagedBlobIsReplacedNotSpread() throws {
        let workspace = try Workspace(root: folder.appendingPathComponent(".pipe"))
        let a = try commit("a", ["big.bin": Self.large], in: workspace)
        let blob = try XCTUnwrap(workspace.store.blobPool.blobs().first)
        let path = workspace.store.blobPool.blob(blob.hash).path
        chmod(path, 0o644)
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        handle.write(Data([9]))
        try handle.close()
        let b = try commit("b", ["big.bin": Self.large], in: workspace)
        XCTAssertEqual(try Data(contentsOf: workspace.store.output(b).appendingPathComponent("big.bin")), Self.large)
        XCTAssertNotEqual(links(workspace, a, "big.bin")?.inode, links(workspace, b, "big.bin")?.inode)
        XCTAssertEqual(FileLinks.of(path)?.inode, links(workspace, b, "big.bin")?.inode, "the pool now holds the intact copy")
        XCTAssertNotEqual(try workspace.hasher.snapshot(of: workspace.store.output(a).path).hash, workspace.store.meta(a)?.outputHash,
                          "a's damaged file fails its recorded hash")
    }

    func testAPoolThatRefusesHardLinksLeavesPlainFiles() throws {
        let other = URL(fileURLWithPath: "/dev/shm/pipe-blobs-\(UUID().uuidString)")
        guard (try? FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)) != nil else {
            throw XCTSkip("no /dev/shm for a second filesystem")
        }
        defer { try? FileManager.default.removeItem(at: other) }
        let device = { (path: String) in (try? FileManager.default.attributesOfItem(atPath: path)[.systemNumber] as? NSNumber)?.intValue }
        guard device(other.path) != device(folder.path) else { throw XCTSkip("/dev/shm is on the same filesystem") }
        let file = folder.appendingPathComponent("big.bin")
        try Self.large.write(to: file)
        let pool = BlobPool(folder: other.appendingPathComponent("blobs"), threshold: 0)
        let hash = try ContentHasher.sha256(file: file.path)
        XCTAssertFalse(pool.adopt(file.path, hash: hash) { _ in hash }, "a link across filesystems fails (EXDEV)")
        XCTAssertEqual(try Data(contentsOf: file), Self.large)
        XCTAssertEqual(FileLinks.of(file.path)?.links, 1)
    }
}
