import Foundation
import XCTest
@testable import PipeEngine
import PipeSpec

final class RunHistoryTests: XCTestCase {
    private var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-history-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    private func entry(_ id: String, at seconds: Double, file: String = "p.yaml", lr: Double = 0.01) -> RunEntry {
        RunEntry(id: id, started: Date(timeIntervalSince1970: seconds), finished: Date(timeIntervalSince1970: seconds + 2.5), pipeline: "p",
                 file: file, fileSHA256: "abc", overrides: ["params.lr=\(lr)"], params: .object(["lr": .number(lr), "size": .number(64)]),
                 outcome: .succeeded,
                 stages: [.init(name: "train", status: "ran", key: "k-\(id)", seconds: 1.25, reasons: ["param with.lr changed: 0.1 -> \(lr)"]),
                          .init(name: "evaluate", status: "cached", key: "e", seconds: 0, reasons: [],
                                metrics: ["accuracy": .number(0.75), "accuracy_ci": .array([.number(0.5), .number(0.9)])])])
    }

    func testAnEntryIsWrittenAtomicallyAndReadBackUnchanged() throws {
        let history = RunHistory(root: root)
        let written = entry("0a1b2c3d", at: 1_780_000_000.125)
        try history.record(written)
        let names = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("runs").path)
        XCTAssertEqual(names, ["20260528T202640.125Z-0a1b2c3d.json"], "UTC start time and id, no temporary file left")
        XCTAssertEqual(history.entries(), [written])
        XCTAssertEqual(history.entries().first?.stages[1].metrics["accuracy_ci"], .array([.number(0.5), .number(0.9)]))
    }

    func testEntriesComeNewestFirstAndFilterByFile() throws {
        let history = RunHistory(root: root)
        try history.record(entry("aaaa1111", at: 100))
        try history.record(entry("bbbb2222", at: 300))
        try history.record(entry("cccc3333", at: 200, file: "other.yaml"))
        try Data("{ not json".utf8).write(to: root.appendingPathComponent("runs/broken.json"))
        XCTAssertEqual(history.entries().map(\.id), ["bbbb2222", "cccc3333", "aaaa1111"])
        XCTAssertEqual(history.entries(file: "p.yaml").map(\.id), ["bbbb2222", "aaaa1111"])
        XCTAssertEqual(history.entries(pipeline: "q").map(\.id), [])
    }

    func testReferencesResolveByIdPrefixAndHead() throws {
        let entries = [entry("ab120000", at: 3), entry("ab340000", at: 2), entry("cd560000", at: 1)]
        XCTAssertEqual(try RunHistory.resolve("HEAD", in: entries).id, "ab120000")
        XCTAssertEqual(try RunHistory.resolve("HEAD~2", in: entries).id, "cd560000")
        XCTAssertEqual(try RunHistory.resolve("ab3", in: entries).id, "ab340000")
        XCTAssertEqual(try RunHistory.resolve("CD56", in: entries).id, "cd560000")
        XCTAssertThrowsError(try RunHistory.resolve("ab", in: entries)) {
            XCTAssertEqual($0 as? EngineError, .ambiguousRun("ab", matches: ["ab120000", "ab340000"]))
        }
        XCTAssertThrowsError(try RunHistory.resolve("ff", in: entries)) {
            XCTAssertEqual($0 as? EngineError, .unknownRun("ff", recent: ["ab120000", "ab340000", "cd560000"]))
        }
        XCTAssertThrowsError(try RunHistory.resolve("HEAD~3", in: entries))
        XCTAssertThrowsError(try RunHistory.resolve("HEAD~x", in: entries))
        XCTAssertThrowsError(try RunHistory.resolve("HEAD", in: [])) { XCTAssertEqual($0 as? EngineError, .noRuns) }
    }

    func testAnEntryRecordsAStageResult() {
        let result = StageResult(name: "split", status: .ran, seconds: 0.5, key: "k1", reasons: ["never run"])
        let stage = RunEntry.Stage(result, metrics: ["accuracy": .number(1)])
        XCTAssertEqual(stage, RunEntry.Stage(name: "split", status: "ran", key: "k1", seconds: 0.5, reasons: ["never run"], metrics: ["accuracy": .number(1)]))
        XCTAssertEqual(entry("x", at: 0).statusCounts, ["ran": 1, "cached": 1])
    }
}
