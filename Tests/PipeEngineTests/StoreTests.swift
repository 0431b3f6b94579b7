import Foundation
import XCTest
@testable import PipeEngine

final class StoreTests: XCTestCase {
    private var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-store-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    func testCommitIsAllOrNothingAndRecordsTheOutputHash() throws {
        let workspace = try Workspace(root: root)
        let run = try workspace.store.makeRunFolder(stage: "train@vgg19")
        XCTAssertTrue(run.lastPathComponent.hasPrefix("train_vgg19-"))
        try Data("result".utf8).write(to: run.appendingPathComponent("out/r.txt"))
        let key = String(repeating: "a", count: 64)
        XCTAssertNil(workspace.store.meta(key), "nothing is visible under the key before the commit")
        let hash = try workspace.hasher.snapshot(of: run.appendingPathComponent("out").path).hash
        let parts = KeyParts(kind: "command", version: 1, params: .object([:]), seed: 0, upstream: [:], inputs: [:])
        let meta = ArtifactMeta(key: key, outputHash: hash, stage: "s", pipeline: "p", parts: parts, seconds: 1, created: Date())
        workspace.store.seal(run.appendingPathComponent("out"))
        let entry = try workspace.store.commit(runFolder: run, meta: meta)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.path))
        XCTAssertEqual(workspace.store.meta(key)?.outputHash, hash)
        XCTAssertEqual(workspace.store.meta(key)?.parts, parts)
        XCTAssertEqual(try String(contentsOf: entry.appendingPathComponent("out/r.txt"), encoding: .utf8), "result")
        XCTAssertFalse(FileManager.default.isWritableFile(atPath: entry.appendingPathComponent("out/r.txt").path) && getuid() != 0)
        workspace.store.remove(key)
        XCTAssertNil(workspace.store.meta(key))
        XCTAssertEqual(workspace.store.keys(), [])
    }

    func testAbandonedRunFoldersOfDeadProcessesAreRemoved() throws {
        let workspace = try Workspace(root: root)
        let mine = try workspace.store.makeRunFolder(stage: "a")
        let dead = try workspace.store.makeRunFolder(stage: "b")
        try Data("999999999\n".utf8).write(to: dead.appendingPathComponent("owner"))
        XCTAssertEqual(workspace.store.removeAbandonedRunFolders(), [dead.lastPathComponent])
        XCTAssertTrue(FileManager.default.fileExists(atPath: mine.path))
    }

    func testLockIsExclusiveAndNamesItsHolder() throws {
        let workspace = try Workspace(root: root)
        let first = try workspace.lock(wait: false)
        XCTAssertThrowsError(try WorkspaceLock(path: root.appendingPathComponent("lock").path, wait: false)) { error in
            XCTAssertEqual(error as? EngineError, .lockHeld(path: root.appendingPathComponent("lock").path, pid: getpid()))
        }
        first.release()
        let second = try workspace.lock(wait: false)
        XCTAssertNil(second.tookOverFrom)
        second.release()
    }

    func testLockLeftByADeadProcessIsTakenOverWithItsPID() throws {
        let workspace = try Workspace(root: root)
        try Data("999999999\n".utf8).write(to: root.appendingPathComponent("lock"))
        let lock = try workspace.lock(wait: false)
        XCTAssertEqual(lock.tookOverFrom, 999_999_999)
        lock.release()
    }
}
