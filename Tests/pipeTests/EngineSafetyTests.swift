import Foundation
import XCTest

/// Engine safety: gc never deletes by mistake, read-only verbs write nothing, `status` tells never-run from
/// stale, and a `command` stage's processes die with pipe.
final class EngineSafetyTests: XCTestCase {
    private var scratch: Scratch!

    override func setUpWithError() throws {
        scratch = try Scratch()
        try scratch.write("data/a.txt", "alpha\n")
        try scratch.write("p.yaml", """
            name: safety
            params: { tag: one }
            stages:
              prep:
                kind: command
                with: { run: "cat data/a.txt > $PIPE_OUT/a.txt # ${params.tag}", deps: [data] }
              shout:
                kind: command
                needs: [prep]
                with: { run: "tr a-z A-Z < $PIPE_IN_PREP/a.txt > $PIPE_OUT/loud.txt" }
              tail:
                kind: command
                needs: [shout]
                with: { run: "cat $PIPE_IN_SHOUT/loud.txt > $PIPE_OUT/t.txt" }
            """)
    }

    // MARK: gc

    func testGcRefusesAPipelinePathThatDoesNotExistOrDoesNotParse() throws {
        XCTAssertEqual(try scratch.pipe("run", "p.yaml").status, 0)
        let stored = scratch.storedKeys()
        XCTAssertEqual(stored.count, 3)
        let missing = try scratch.pipe("gc", "--pipeline", "no-such.yaml", "--yes")
        XCTAssertEqual(missing.status, 1, missing.stdout)
        XCTAssertTrue(missing.stderr.contains("--pipeline no-such.yaml does not exist; nothing was removed"), missing.stderr)
        XCTAssertEqual(scratch.storedKeys(), stored)
        try scratch.write("broken.yaml", "name: broken\nstages: { x: { kind: no-such-kind } }\n")
        let broken = try scratch.pipe("gc", "--pipeline", "broken.yaml", "--yes")
        XCTAssertEqual(broken.status, 1, broken.stdout)
        XCTAssertTrue(broken.stderr.contains("--pipeline broken.yaml is not a valid pipeline; nothing was removed"), broken.stderr)
        XCTAssertEqual(scratch.storedKeys(), stored)
        let named = try scratch.pipe("gc", "--pipeline", "p.yaml")
        XCTAssertEqual(named.status, 0, named.stderr)
        XCTAssertTrue(named.stdout.hasPrefix("removed 0 stored results"), named.stdout)
        XCTAssertEqual(scratch.storedKeys(), stored)
    }

    func testGcListsAndNeedsYesBeforeRemovingMoreThanTenResults() throws {
        let stages = (1...12).map { "  s\($0): { kind: command, with: { run: \"echo \($0) > $PIPE_OUT/n\" } }" }
        try scratch.write("many.yaml", "name: many\nstages:\n" + stages.joined(separator: "\n") + "\n")
        XCTAssertEqual(try scratch.pipe("run", "many.yaml").status, 0)
        try FileManager.default.removeItem(at: scratch.url("many.yaml"))
        XCTAssertEqual(scratch.storedKeys().count, 12)
        let refused = try scratch.pipe("gc")
        XCTAssertEqual(refused.status, 1, refused.stdout)
        XCTAssertTrue(refused.stderr.contains("gc would remove 12 stored results (listed above), more than 10; nothing was removed; pass --yes"), refused.stderr)
        XCTAssertEqual(refused.stdout.split(separator: "\n").filter { $0.contains("many/s") }.count, 12, refused.stdout)
        XCTAssertEqual(scratch.storedKeys().count, 12)
        let dry = try scratch.pipe("gc", "--dry-run")
        XCTAssertEqual(dry.status, 0)
        XCTAssertTrue(dry.stdout.contains("would remove 12 stored results"), dry.stdout)
        XCTAssertEqual(scratch.storedKeys().count, 12)
        let confirmed = try scratch.pipe("gc", "--yes")
        XCTAssertEqual(confirmed.status, 0, confirmed.stderr)
        XCTAssertTrue(confirmed.stdout.contains("removed 12 stored results"), confirmed.stdout)
        XCTAssertEqual(scratch.storedKeys(), [])
        XCTAssertTrue(try scratch.pipe("gc", "--help").stdout.contains("more than 10 results"))
    }

    // MARK: read-only verbs

    func testReadOnlyVerbsWriteNothingToTheStore() throws {
        XCTAssertEqual(try scratch.pipe("run", "p.yaml").status, 0)
        // A changed input must be hashed again: what a stat cache would learn and save.
        try scratch.write("data/a.txt", "changed\n")
        Thread.sleep(forTimeInterval: 0.3)
        let before = try storeSnapshot()
        for arguments in [["status", "p.yaml"], ["status", "p.yaml", "--json"], ["run", "p.yaml", "--dry-run"],
                          ["dag", "p.yaml"], ["outputs", "p.yaml"], ["validate", "p.yaml"]] {
            let result = try PipeBinary.run(arguments, in: scratch.root)
            XCTAssertEqual(result.status, 0, "\(arguments): \(result.stderr)")
            XCTAssertEqual(try storeSnapshot(), before, "pipe \(arguments.joined(separator: " ")) wrote to the store")
        }
    }

    /// Every path below `.pipe` with its size and modification time.
    private func storeSnapshot() throws -> [String: String] {
        let root = scratch.url(".pipe").path
        var result: [String: String] = [:]
        for path in try FileManager.default.subpathsOfDirectory(atPath: root) {
            let attributes = try FileManager.default.attributesOfItem(atPath: root + "/" + path)
            let date = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            result[path] = "\(attributes[.size] ?? 0) \(date)"
        }
        return result
    }

    // MARK: status

    func testStatusTellsNeverRunFromStaleDownstreamOfAStaleStage() throws {
        XCTAssertEqual(try scratch.pipe("run", "p.yaml", "--stage", "prep").status, 0)
        let status = try scratch.pipe("status", "p.yaml", "--set", "params.tag=two")
        XCTAssertTrue(status.stdout.contains("prep: stale (param with.run changed: "), status.stdout)
        XCTAssertTrue(status.stdout.contains("shout: never-run\n"), status.stdout)
        XCTAssertTrue(status.stdout.contains("tail: never-run\n"), status.stdout)
        let json = try scratch.pipe("status", "p.yaml", "--set", "params.tag=two", "--json")
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let stages = object?["stages"] as? [[String: Any]] ?? []
        XCTAssertEqual(stages.map { $0["status"] as? String }, ["stale", "never-run", "never-run"], json.stdout)
        XCTAssertEqual(stages.map { ($0["reasons"] as? [String])?.count }, [1, 0, 0], json.stdout)

        XCTAssertEqual(try scratch.pipe("run", "p.yaml").status, 0)
        let after = try scratch.pipe("status", "p.yaml", "--set", "params.tag=two")
        XCTAssertTrue(after.stdout.contains("shout: stale (upstream `prep` is stale)\n"), after.stdout)
        XCTAssertTrue(after.stdout.contains("tail: stale (upstream `shout` is stale)\n"), after.stdout)
        XCTAssertTrue(try scratch.pipe("status", "p.yaml").stdout.contains("tail: up-to-date\n"))
    }

    // MARK: child processes

    func testKillNineOfPipeKillsTheCommandAndWhatItStarted() throws {
        try FileManager.default.createDirectory(at: scratch.url("markers"), withIntermediateDirectories: true)
        try scratch.write("sleepy.yaml", """
            name: sleepy
            stages:
              nap:
                kind: command
                with: { run: "sleep 300 & echo $! > markers/sleep.pid; echo $$ > markers/shell.pid; wait" }
            """)
        let process = try scratch.start(["run", "sleepy.yaml"], output: scratch.url("run.log"))
        XCTAssertTrue(scratch.waitFor("markers/shell.pid"))
        let sleeper = try XCTUnwrap(pid_t(scratch.read("markers/sleep.pid")!.trimmingCharacters(in: .whitespacesAndNewlines)))
        let shell = try XCTUnwrap(pid_t(scratch.read("markers/shell.pid")!.trimmingCharacters(in: .whitespacesAndNewlines)))
        XCTAssertTrue(Self.isAlive(sleeper))
        kill(process.processIdentifier, SIGKILL)
        // Not `waitUntilExit` first: Foundation may wait for what the children inherited.
        let deadline = Date(timeIntervalSinceNow: 5)
        while Date() < deadline, Self.isAlive(sleeper) || Self.isAlive(shell) { Thread.sleep(forTimeInterval: 0.05) }
        let survivors = (sleeper: Self.isAlive(sleeper), shell: Self.isAlive(shell))
        for pid in [sleeper, shell] where Self.isAlive(pid) { kill(pid, SIGKILL) }
        process.waitUntilExit()
        XCTAssertFalse(survivors.sleeper, "the command's `sleep 300` outlived pipe")
        XCTAssertFalse(survivors.shell, "the command's shell outlived pipe")
    }

    func testWhatACommandLeavesRunningIsKilledWhenItEnds() throws {
        try FileManager.default.createDirectory(at: scratch.url("markers"), withIntermediateDirectories: true)
        try scratch.write("daemon.yaml", """
            name: daemon
            stages:
              start: { kind: command, with: { run: "sleep 300 & echo $! > markers/left.pid; echo started > $PIPE_OUT/s" } }
            """)
        // Started, not run to the end of its output: a leftover child may hold that output open.
        let process = try scratch.start(["run", "daemon.yaml"], output: scratch.url("run.log"))
        let finished = Date(timeIntervalSinceNow: 20)
        while Date() < finished, Self.isAlive(process.processIdentifier) { Thread.sleep(forTimeInterval: 0.05) }
        let left = try XCTUnwrap(pid_t(scratch.read("markers/left.pid")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))
        let deadline = Date(timeIntervalSinceNow: 2)
        while Date() < deadline, Self.isAlive(left) { Thread.sleep(forTimeInterval: 0.05) }
        let survived = Self.isAlive(left)
        if survived { kill(left, SIGKILL) }
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, scratch.read("run.log") ?? "")
        XCTAssertFalse(survived, "the `sleep 300` the command left behind still runs")
    }

    /// True while `pid` runs (a zombie waiting to be reaped counts as gone).
    static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }
}
