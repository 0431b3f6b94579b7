import Foundation
import XCTest

/// Identical large outputs of different stages are stored once (hard links to `.pipe/blobs/`), gc frees a shared
/// file only with its last result, a damaged shared file is caught by every result holding it, and a run killed at
/// any moment leaves a store whose results all verify.
final class BlobPoolRunTests: XCTestCase {
    private var scratch: Scratch!
    /// 300 KiB of one byte: above the 64 KiB pooling threshold.
    static let big = "head -c 307200 /dev/zero | tr '\\\\0' x > $PIPE_OUT/big.bin"

    override func setUpWithError() throws {
        scratch = try Scratch()
        try scratch.write("p.yaml", Self.pipeline(stages: ["a", "b"]))
    }

    static func pipeline(stages: [String], name: String = "blobs") -> String {
        "name: \(name)\nstages:\n" + stages.map { name in
            "  \(name):\n    kind: command\n    with: { run: \"\(big); echo \(name) > $PIPE_OUT/small.txt\" }\n"
        }.joined()
    }

    private func output(_ stage: String, _ file: String = "p.yaml") throws -> URL {
        URL(fileURLWithPath: try XCTUnwrap(try scratch.pipe("outputs", file, stage).stdout.split(separator: "\t").last?
            .trimmingCharacters(in: .newlines)))
    }

    private func inode(_ url: URL) throws -> (inode: Int, links: Int) {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        return ((attributes[.systemFileNumber] as? NSNumber)?.intValue ?? -1, (attributes[.referenceCount] as? NSNumber)?.intValue ?? -1)
    }

    /// The bytes in gc's `..., 1.2 KB freed; ...`.
    private func freed(_ text: String) throws -> Double {
        let words = text.split(separator: " ")
        let at = try XCTUnwrap(words.firstIndex { $0.hasPrefix("freed") }, text)
        let scale = ["B": 1.0, "KB": 1e3, "MB": 1e6, "GB": 1e9][String(words[at - 1])] ?? .nan
        return (Double(words[at - 2]) ?? .nan) * scale
    }

    private func blobs() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: scratch.url(".pipe/blobs").path)) ?? [] }

    /// Bytes below `.pipe/objects` and `.pipe/blobs`, each inode once.
    private func storeBytes() -> Int {
        var seen = Set<Int>(), total = 0
        for folder in [".pipe/objects", ".pipe/blobs"] {
            let root = scratch.url(folder)
            for case let file as String in FileManager.default.enumerator(atPath: root.path) ?? FileManager.default.enumerator(atPath: "/nonexistent")! {
                guard let a = try? FileManager.default.attributesOfItem(atPath: root.appendingPathComponent(file).path),
                      a[.type] as? FileAttributeType == .typeRegular, let inode = (a[.systemFileNumber] as? NSNumber)?.intValue,
                      seen.insert(inode).inserted else { continue }
                total += (a[.size] as? NSNumber)?.intValue ?? 0
            }
        }
        return total
    }

    func testIdenticalLargeFilesAreStoredOnceAndGcFreesThemWithTheLastResult() throws {
        try scratch.write("p.yaml", Self.pipeline(stages: ["a"]))
        try scratch.write("q.yaml", Self.pipeline(stages: ["b"], name: "other"))
        for file in ["p.yaml", "q.yaml"] {
            let run = try scratch.pipe("run", file)
            XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        }
        let (a, b) = (try output("a"), try output("b", "q.yaml"))
        let bigA = try inode(a.appendingPathComponent("big.bin")), bigB = try inode(b.appendingPathComponent("big.bin"))
        XCTAssertEqual(bigA.inode, bigB.inode, "one inode for the identical large file")
        XCTAssertEqual(bigA.links, 3, "two results and the pool")
        XCTAssertNotEqual(try inode(a.appendingPathComponent("small.txt")).inode, try inode(b.appendingPathComponent("small.txt")).inode)
        XCTAssertEqual(try inode(a.appendingPathComponent("small.txt")).links, 1, "small files are not pooled")
        XCTAssertEqual(blobs().count, 1)
        let stored = storeBytes()
        XCTAssertLessThan(stored, 2 * 307200, "the large file is counted once (\(stored) bytes)")
        XCTAssertGreaterThanOrEqual(stored, 307200)
        XCTAssertEqual(try scratch.pipe("run", "p.yaml").statuses, ["a": "cached"], "pooled results verify")

        // Drop b's pipeline: gc removes its result, frees only its small files, and a's large file stays intact.
        try FileManager.default.removeItem(at: scratch.url("q.yaml"))
        let one = try scratch.pipe("gc", "--yes")
        XCTAssertEqual(one.status, 0, one.stdout + one.stderr)
        XCTAssertTrue(one.stdout.contains("removed 1 stored result"), one.stdout)
        XCTAssertLessThan(try freed(one.stdout), 100_000, "the shared file is not counted as freed: \(one.stdout)")
        XCTAssertEqual(try String(contentsOf: a.appendingPathComponent("big.bin"), encoding: .utf8), String(repeating: "x", count: 307200))
        XCTAssertEqual(try inode(a.appendingPathComponent("big.bin")).links, 2)
        XCTAssertEqual(blobs().count, 1)
        XCTAssertEqual(try scratch.pipe("run", "p.yaml").statuses, ["a": "cached"])

        // Drop the pipeline: gc removes a and the blob, and counts the large file as freed.
        try FileManager.default.removeItem(at: scratch.url("p.yaml"))
        let all = try scratch.pipe("gc", "--yes")
        XCTAssertEqual(all.status, 0, all.stdout + all.stderr)
        XCTAssertGreaterThanOrEqual(try freed(all.stdout), 307_200, "the large file is freed with its last result: \(all.stdout)")
        XCTAssertEqual(blobs(), [], "the last link gone, the blob is removed")
        XCTAssertEqual(storeBytes(), 0)
    }

    func testADamagedSharedFileIsCaughtInEveryResultThatHoldsIt() throws {
        XCTAssertEqual(try scratch.pipe("run", "p.yaml").status, 0)
        let file = try output("a").appendingPathComponent("big.bin")
        chmod(file.path, 0o644)
        let handle = try FileHandle(forUpdating: file)
        try handle.seek(toOffset: 1000)
        handle.write(Data("y".utf8))
        try handle.close()
        let status = try scratch.pipe("status", "p.yaml")
        XCTAssertTrue(status.stdout.contains("a: stale") && status.stdout.contains("b: stale"), status.stdout)
        let run = try scratch.pipe("run", "p.yaml")
        XCTAssertEqual(run.statuses, ["a": "ran", "b": "ran"], run.stdout)
        let (a, b) = (try output("a"), try output("b"))
        let expected = String(repeating: "x", count: 307200)
        XCTAssertEqual(try String(contentsOf: a.appendingPathComponent("big.bin"), encoding: .utf8), expected)
        XCTAssertEqual(try String(contentsOf: b.appendingPathComponent("big.bin"), encoding: .utf8), expected)
        XCTAssertEqual(try inode(a.appendingPathComponent("big.bin")).inode, try inode(b.appendingPathComponent("big.bin")).inode,
                       "the new results share a fresh blob, not the damaged one")
        XCTAssertEqual(Set(try scratch.pipe("run", "p.yaml").statuses.values), ["cached"])
    }

    /// SIGKILL at moments spread over the run, commits included: every result left verifies, and the next run
    /// completes with both files pooled.
    func testKillNineAtAnyMomentLeavesAConsistentStore() throws {
        for delay in [0.05, 0.1, 0.15, 0.2, 0.3, 0.4] {
            try? FileManager.default.removeItem(at: scratch.url(".pipe/objects"))
            try? FileManager.default.removeItem(at: scratch.url(".pipe/state"))
            let process = try scratch.start(["run", "p.yaml", "--force"], output: scratch.url("run.log"))
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let status = try scratch.pipe("status", "p.yaml")
            XCTAssertFalse(status.stdout.contains("unusable"), "kill at +\(delay) s: \(status.stdout)")
            for key in scratch.storedKeys() {
                let big = scratch.url(".pipe/objects/\(key)/out/big.bin")
                if FileManager.default.fileExists(atPath: big.path) {
                    XCTAssertEqual(try Data(contentsOf: big).count, 307200, "kill at +\(delay) s")
                }
            }
        }
        let next = try scratch.pipe("run", "p.yaml")
        XCTAssertEqual(next.status, 0, next.stdout + next.stderr)
        XCTAssertEqual(try inode(try output("a").appendingPathComponent("big.bin")).inode, try inode(try output("b").appendingPathComponent("big.bin")).inode)
        XCTAssertEqual(Set(try scratch.pipe("run", "p.yaml").statuses.values), ["cached"])
    }
}
