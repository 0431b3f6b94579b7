import Foundation
import XCTest
@testable import PipeEngine

final class TreeHasherTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-hash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("data/sub"), withIntermediateDirectories: true)
        try Data("abc".utf8).write(to: folder.appendingPathComponent("data/a.txt"))
        try Data("hello".utf8).write(to: folder.appendingPathComponent("data/sub/b.txt"))
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func ageFiles() {
        // Files younger than the racy window are never trusted by their stat; make them old.
        let old = Date(timeIntervalSinceNow: -60)
        for file in (try? FileTree.files(under: folder.path)) ?? [] {
            try? FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: folder.path + "/" + file.relativePath)
        }
        // Setting the date changes ctime, which cannot be set back: wait out the racy window.
        Thread.sleep(forTimeInterval: Double(StatCache.racyWindow) / 1e9 + 0.05)
    }

    func testFileHashIsSHA256AndFolderHashCoversPathsAndContent() throws {
        let hasher = TreeHasher(cache: StatCache(path: folder.appendingPathComponent("cache").path))
        let file = try hasher.snapshot(of: folder.appendingPathComponent("data/a.txt").path)
        XCTAssertEqual(file.hash, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let tree = try hasher.snapshot(of: folder.appendingPathComponent("data").path)
        XCTAssertEqual(tree.files.map(\.relativePath), ["a.txt", "sub/b.txt"])
        try FileManager.default.moveItem(at: folder.appendingPathComponent("data/sub/b.txt"), to: folder.appendingPathComponent("data/b.txt"))
        XCTAssertNotEqual(try hasher.snapshot(of: folder.appendingPathComponent("data").path).hash, tree.hash, "a moved file changes the tree hash")
    }

    func testUnchangedFilesAreNotReadAgainAndTouchedFilesKeepTheirHash() throws {
        ageFiles()
        let cachePath = folder.appendingPathComponent("cache").path
        let data = folder.appendingPathComponent("data").path
        let first = TreeHasher(cache: StatCache(path: cachePath))
        let hash = try first.snapshot(of: data).hash
        try first.cache.save()
        // Make a file unreadable: a second hasher must answer from the stat cache without reading it.
        let a = folder.appendingPathComponent("data/a.txt").path
        let cached = StatCache(path: cachePath)
        XCTAssertNotNil(cached.hash(of: a, stat: FileStat.of(a)!))
        XCTAssertEqual(try TreeHasher(cache: cached).snapshot(of: data).hash, hash)
        // Touch: new stat, same content, same hash.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -30)], ofItemAtPath: a)
        Thread.sleep(forTimeInterval: Double(StatCache.racyWindow) / 1e9 + 0.05)
        XCTAssertNil(cached.hash(of: a, stat: FileStat.of(a)!))
        XCTAssertEqual(try TreeHasher(cache: cached).snapshot(of: data).hash, hash)
        // Same size, new content, even with the old mtime restored: ctime gives it away.
        let stat = FileStat.of(a)!
        try Data("abd".utf8).write(to: URL(fileURLWithPath: a))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: Double(stat.mtimeNanoseconds) / 1e9)], ofItemAtPath: a)
        XCTAssertNotEqual(try TreeHasher(cache: cached).snapshot(of: data).hash, hash)
    }

    func testANoOpHashesNothingAndOneChangedFileIsTheOnlyOneRead() throws {
        for i in 0..<50 { try Data("file \(i)".utf8).write(to: folder.appendingPathComponent("data/f\(i).txt")) }
        ageFiles()
        let cachePath = folder.appendingPathComponent("cache").path
        let data = folder.appendingPathComponent("data").path
        let first = TreeHasher(cache: StatCache(path: cachePath))
        let hash = try first.snapshot(of: data).hash
        XCTAssertEqual(first.filesRead, 52)
        try first.cache.save()
        let second = TreeHasher(cache: StatCache(path: cachePath))
        XCTAssertEqual(try second.snapshot(of: data).hash, hash)
        XCTAssertEqual(second.filesRead, 0, "a no-op reads no file")
        try Data("file 7, edited".utf8).write(to: folder.appendingPathComponent("data/f7.txt"))
        XCTAssertNotEqual(try second.snapshot(of: data).hash, hash)
        XCTAssertEqual(second.filesRead, 1, "only the changed file is read")
    }

    func testChangedFilesNamesEditsAdditionsAndRemovals() throws {
        let hasher = TreeHasher(cache: StatCache(path: folder.appendingPathComponent("cache").path))
        let data = folder.appendingPathComponent("data").path
        let before = try hasher.snapshot(of: data)
        XCTAssertEqual(hasher.changedFiles(at: data, since: before), [])
        try Data("new".utf8).write(to: folder.appendingPathComponent("data/c.txt"))
        try FileManager.default.removeItem(at: folder.appendingPathComponent("data/sub/b.txt"))
        try Data("abcd".utf8).write(to: folder.appendingPathComponent("data/a.txt"))
        XCTAssertEqual(hasher.changedFiles(at: data, since: before), ["a.txt", "c.txt", "sub/b.txt"])
    }

    func testMissingInputIsNamed() {
        let hasher = TreeHasher(cache: StatCache(path: folder.appendingPathComponent("cache").path))
        XCTAssertThrowsError(try hasher.snapshot(of: "/nonexistent/x")) { error in
            XCTAssertEqual("\(error)", "/nonexistent/x does not exist; create it or fix the path in the pipeline")
        }
    }
}
