import Foundation
import XCTest

/// What happens when runs are killed, interrupted, run twice at once, or meet changed or damaged files.
final class FaultTests: XCTestCase {
    private var scratch: Scratch!

    override func setUpWithError() throws {
        scratch = try Scratch()
        try scratch.write("data/a.txt", "alpha\n")
        try scratch.write("p.yaml", """
            name: faults
            stages:
              quick:
                kind: command
                with: { run: "echo quick > $PIPE_OUT/q.txt" }
              slow:
                kind: command
                needs: [quick]
                with:
                  run: "echo $$ > markers/slow.pid; sleep 1.5; cat data/a.txt > $PIPE_OUT/s.txt"
                  deps: [data]
              after:
                kind: command
                needs: [slow]
                with: { run: "cat $PIPE_IN_SLOW/s.txt > $PIPE_OUT/after.txt" }
            """)
        try FileManager.default.createDirectory(at: scratch.url("markers"), withIntermediateDirectories: true)
    }

    private func entries(ofStage stage: String) -> [String] {
        scratch.storedKeys().filter { key in
            (scratch.read(".pipe/objects/\(key)/meta.json") ?? "").contains("\"stage\" : \"\(stage)\"")
        }
    }

    func testKillNineLeavesNoEntryAndTheNextRunRecovers() throws {
        for delay in [0.0, 0.5, 1.2] {
            try? FileManager.default.removeItem(at: scratch.url("markers/slow.pid"))
            let process = try scratch.start(["run", "p.yaml"], output: scratch.url("run.log"))
            XCTAssertTrue(scratch.waitFor("markers/slow.pid"), "slow stage started")
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            XCTAssertEqual(entries(ofStage: "slow"), [], "no committed entry for the killed stage (kill at +\(delay) s)")
            XCTAssertEqual(entries(ofStage: "quick").count, 1)
        }
        let next = try scratch.pipe("run", "p.yaml", "--no-wait")
        XCTAssertEqual(next.status, 0, next.stdout + next.stderr)
        XCTAssertTrue(next.stdout.contains("ended without releasing"), next.stdout)
        XCTAssertTrue(next.stdout.contains("unfinished run folder"), next.stdout)
        XCTAssertEqual(next.statuses, ["quick": "cached", "slow": "ran", "after": "ran"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.url(".pipe/tmp").path), [])
    }

    func testInterruptStopsTheStageAndItsChildrenAndCleansUp() throws {
        let process = try scratch.start(["run", "p.yaml"], output: scratch.url("run.log"))
        XCTAssertTrue(scratch.waitFor("markers/slow.pid"))
        let shell = pid_t(scratch.read("markers/slow.pid")!.trimmingCharacters(in: .whitespacesAndNewlines))!
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 130)
        XCTAssertTrue(scratch.read("run.log")!.contains("slow: skipped (interrupted)"), scratch.read("run.log")!)
        XCTAssertTrue(scratch.read("run.log")!.contains("after: skipped"), scratch.read("run.log")!)
        Thread.sleep(forTimeInterval: 0.2)
        XCTAssertNotEqual(kill(shell, 0), 0, "the stage's shell got SIGTERM")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.url(".pipe/tmp").path), [])
        XCTAssertEqual(entries(ofStage: "slow"), [])
        let next = try scratch.pipe("run", "p.yaml", "--no-wait")
        XCTAssertEqual(next.status, 0, "the lock was released")
        XCTAssertFalse(next.stdout.contains("ended without releasing"), next.stdout)
    }

    func testConcurrentRunsNeverInterleave() throws {
        try scratch.write("p.yaml", """
            name: concurrent
            stages:
              one: { kind: command, with: { run: "echo start-one >> shared.log; sleep 0.4; echo end-one >> shared.log; echo 1 > $PIPE_OUT/o" } }
              two: { kind: command, with: { run: "echo start-two >> shared.log; sleep 0.4; echo end-two >> shared.log; echo 2 > $PIPE_OUT/o" } }
            """)
        let first = try scratch.start(["run", "p.yaml", "-j", "1"], output: scratch.url("first.log"))
        XCTAssertTrue(scratch.waitFor("shared.log"))
        let second = try scratch.start(["run", "p.yaml", "-j", "1"], output: scratch.url("second.log"))
        first.waitUntilExit()
        second.waitUntilExit()
        XCTAssertEqual(first.terminationStatus, 0)
        XCTAssertEqual(second.terminationStatus, 0)
        let log = try XCTUnwrap(scratch.read("shared.log"))
        XCTAssertEqual(log, "start-one\nend-one\nstart-two\nend-two\n", "each stage ran once, one at a time")
        let waited = scratch.read("second.log")!
        XCTAssertTrue(waited.contains("waiting for the run with PID \(first.processIdentifier)"), waited)
        XCTAssertTrue(waited.contains("one: cached") && waited.contains("two: cached"), waited)
    }

    func testNoWaitFailsAtOnceWhileAnotherRunHoldsTheLock() throws {
        let busy = try scratch.start(["run", "p.yaml"], output: scratch.url("busy.log"))
        XCTAssertTrue(scratch.waitFor("markers/slow.pid"))
        let refused = try scratch.pipe("run", "p.yaml", "--no-wait")
        busy.waitUntilExit()
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stderr, "pipe: error: another pipe run (PID \(busy.processIdentifier)) holds \(scratch.url(".pipe/lock").standardizedFileURL.path); wait for it, or run without --no-wait\n")
        XCTAssertEqual(busy.terminationStatus, 0)
    }

    func testAnInputThatChangesWhileTheStageRunsIsRefused() throws {
        let process = try scratch.start(["run", "p.yaml"], output: scratch.url("run.log"))
        XCTAssertTrue(scratch.waitFor("markers/slow.pid"))
        try scratch.write("data/a.txt", "changed\n")
        process.waitUntilExit()
        let log = scratch.read("run.log")!
        XCTAssertEqual(process.terminationStatus, 1, log)
        XCTAssertTrue(log.contains("slow: FAILED: stage `slow`: its input \(scratch.url("data").standardizedFileURL.path) changed while it ran (a.txt)"), log)
        XCTAssertEqual(entries(ofStage: "slow"), [])
        XCTAssertEqual(try scratch.pipe("run", "p.yaml").statuses, ["quick": "cached", "slow": "ran", "after": "ran"])
    }

    func testACorruptedResultIsDetectedAndRecomputed() throws {
        XCTAssertEqual(try scratch.pipe("run", "p.yaml").status, 0)
        let key = entries(ofStage: "slow")[0]
        let file = scratch.url(".pipe/objects/\(key)/out/s.txt")
        chmod(file.path, 0o644)
        var bytes = [UInt8](try Data(contentsOf: file))
        bytes[0] ^= 0x01
        try Data(bytes).write(to: file)
        let status = try scratch.pipe("status", "p.yaml")
        XCTAssertTrue(status.stdout.contains("the stored result of `slow` (key \(key.prefix(12))) is unusable"), status.stdout)
        XCTAssertTrue(status.stdout.contains("slow: stale"), status.stdout)
        let run = try scratch.pipe("run", "p.yaml")
        XCTAssertTrue(run.stdout.contains("is unusable: its output changed after it was stored"), run.stdout)
        XCTAssertEqual(run.statuses, ["quick": "cached", "slow": "ran", "after": "cached"])
        XCTAssertEqual(try String(contentsOf: file, encoding: .utf8), "alpha\n")
    }

    func testAFailureStopsDependentsAndKeepGoingRunsTheRest() throws {
        try scratch.write("p.yaml", """
            name: failing
            stages:
              bad:
                kind: command
                with: { run: "echo first line >&2; echo 'no such thing' >&2; exit 3" }
              child: { kind: command, needs: [bad], with: { run: "true" } }
              slowpoke: { kind: command, with: { run: "sleep 0.3; echo > $PIPE_OUT/x" } }
              later: { kind: command, needs: [slowpoke], with: { run: "echo > $PIPE_OUT/y" } }
              noout: { kind: command, with: { run: "true", outs: [model.bin] } }
            """)
        let stop = try scratch.pipe("run", "p.yaml", "-j", "2")
        XCTAssertEqual(stop.status, 1)
        XCTAssertTrue(stop.stdout.contains("bad: FAILED: the command exited with status 3; its stderr ends with:\n    first line\n    no such thing"), stop.stdout)
        XCTAssertEqual(stop.statuses["child"], "skipped")
        XCTAssertEqual(stop.statuses["slowpoke"], "ran", "a stage already running when another fails finishes")
        XCTAssertEqual(stop.statuses["later"], "skipped")
        let keepGoing = try scratch.pipe("run", "p.yaml", "--keep-going")
        XCTAssertEqual(keepGoing.status, 1)
        XCTAssertEqual(keepGoing.statuses, ["bad": "FAILED", "child": "skipped", "slowpoke": "cached", "later": "ran", "noout": "FAILED"])
        XCTAssertTrue(keepGoing.stdout.contains("noout: FAILED: the command did not produce `model.bin` in $PIPE_OUT (declared in `outs`)"), keepGoing.stdout)
        XCTAssertTrue(keepGoing.stdout.contains("child: skipped (needs `bad`, which failed)"), keepGoing.stdout)
    }

    func testMissingDependencyFailsBeforeAnythingRuns() throws {
        try FileManager.default.removeItem(at: scratch.url("data"))
        let result = try scratch.pipe("run", "p.yaml")
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "pipe: error: stage `slow` failed: it reads \(scratch.url("data").standardizedFileURL.path), which does not exist; create it or fix the path\n")
        XCTAssertEqual(scratch.storedKeys(), [])
    }
}
