import Foundation
import XCTest

/// Sixteen `pipe run` processes over overlapping pipelines on one store, some killed with SIGKILL at random
/// moments: afterwards every stored result verifies against its recorded hash, and final runs complete,
/// reusing what was stored and recomputing only what never was.
final class CrowdTests: XCTestCase {
    func testSixteenRunsWithRandomKillsLeaveAConsistentStore() throws {
        let scratch = try Scratch()
        // Two pipelines share `base` and `mid` (same kind, parameters and inputs, so the same keys); each
        // pipeline also has stages of its own, and a --set variant gives a third set of keys.
        for (name, extra) in [("a", "tail_a"), ("b", "tail_b")] {
            try scratch.write("\(name).yaml", """
                name: crowd-\(name)
                params: { n: 1 }
                stages:
                  base: { kind: command, with: { run: "sleep 0.2; head -c 20000 /dev/urandom > $PIPE_OUT/r; echo ${params.n} >> $PIPE_OUT/r" } }
                  mid: { kind: command, needs: [base], with: { run: "sleep 0.3; sha256sum $PIPE_IN_BASE/r > $PIPE_OUT/h" } }
                  \(extra): { kind: command, needs: [mid], with: { run: "sleep 0.2; cat $PIPE_IN_MID/h $PIPE_IN_MID/h > $PIPE_OUT/t" } }
                """)
        }
        var random = SystemRandomNumberGenerator()
        var processes: [Process] = []
        for index in 0..<16 {
            let file = index % 2 == 0 ? "a.yaml" : "b.yaml"
            let arguments = ["run", file] + (index % 3 == 0 ? ["--set", "params.n=\(index % 2 + 2)"] : [])
            processes.append(try scratch.start(arguments, output: scratch.url("log-\(index)")))
        }
        // Kill some of them, at random moments, while they wait for the lock or run stages.
        var killed = 0
        let deadline = Date(timeIntervalSinceNow: 120)
        for process in processes.shuffled() where killed < 6 {
            Thread.sleep(forTimeInterval: Double.random(in: 0.05...0.6, using: &random))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                killed += 1
            }
        }
        for process in processes {
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            XCTAssertFalse(process.isRunning, "a run did not finish within two minutes")
        }
        XCTAssertGreaterThan(killed, 0, "no run was killed: the test proves nothing")
        for (index, process) in processes.enumerated() where process.terminationReason == .exit {
            let log = scratch.read("log-\(index)") ?? ""
            XCTAssertEqual(process.terminationStatus, 0, "run \(index) failed:\n\(log)")
        }
        // Every stored result is checked against its recorded hash when a run looks it up: the four variants
        // below are all the runs made, so their dry runs look up every key the store can hold.
        for variant in [["a.yaml"], ["b.yaml"], ["a.yaml", "--set", "params.n=2"], ["b.yaml", "--set", "params.n=3"]] {
            let dry = try PipeBinary.run(["run"] + variant + ["--dry-run"], in: scratch.root)
            XCTAssertFalse((dry.stdout + dry.stderr).contains("unusable"), "a stored result is damaged:\n\(dry.stdout)\(dry.stderr)")
            // A stage runs again only when no run stored its result: its key is not among the stored ones.
            let stored = scratch.storedKeys()
            let final = try PipeBinary.run(["run"] + variant + ["--json"], in: scratch.root)
            XCTAssertEqual(final.status, 0, final.stdout + final.stderr)
            let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(final.stdout.utf8)) as? [String: Any])
            for stage in try XCTUnwrap(summary["stages"] as? [[String: Any]]) where stage["status"] as? String == "ran" {
                let key = try XCTUnwrap(stage["key"] as? String)
                XCTAssertFalse(stored.contains(key), "`\(stage["name"] ?? "")` ran again although its result \(key) was stored:\n\(final.stderr)")
            }
            let again = try PipeBinary.run(["run"] + variant, in: scratch.root)
            XCTAssertEqual(Set(again.statuses.values), ["cached"], again.stdout)
        }
        XCTAssertTrue((try? FileManager.default.contentsOfDirectory(atPath: scratch.url(".pipe/tmp").path))?.isEmpty ?? true,
                      "run folders of killed runs were left behind after the final runs")
    }
}
