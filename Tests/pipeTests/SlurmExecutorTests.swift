import Foundation
import XCTest

/// `pipe run --executor slurm` against a real one-node cluster (slurmctld and slurmd on localhost): stages
/// run as batch jobs, commit as local runs do, and jobs that are cancelled, time out or die are reported
/// with nothing stored.
final class SlurmExecutorTests: XCTestCase {
    private var scratch: Scratch!
    private var environment: [String: String] = [:]

    override func setUpWithError() throws {
        environment = try LocalSlurm.environment()
        scratch = try Scratch()
    }

    private func pipe(_ arguments: String...) throws -> PipeBinary.Output {
        try PipeBinary.run(arguments, in: scratch.root, environment: environment)
    }

    func testStagesRunAsJobsWithTheSameResultsAsLocallyAndARerunSubmitsNothing() throws {
        try scratch.write("p.yaml", """
            name: cluster
            seed: 3
            stages:
              synth: { kind: synthesize, with: { dataset: breakhis, patients: 6, images_per_patient: 1, magnifications: [100], width: 40, height: 32 } }
              ingest: { kind: ingest, needs: [synth], with: { dataset: breakhis }, resources: { cores: 1, time: "5:00", memory: 500M } }
              split: { kind: split, needs: [ingest], with: { train: 0.5, val: 0.25, test: 0.25 } }
              where:
                kind: command
                needs: [split]
                with: { run: "wc -l < $PIPE_IN_SPLIT/manifest.csv > $PIPE_OUT/rows; echo job=$SLURM_JOB_ID > $PIPE_OUT/job" }
              here:
                kind: command
                executor: local
                needs: [where]
                with: { run: "echo job=$SLURM_JOB_ID > $PIPE_OUT/job" }
            """)
        let first = try pipe("run", "p.yaml", "--executor", "slurm")
        XCTAssertEqual(first.status, 0, first.stdout + first.stderr)
        for stage in ["synth", "ingest", "split", "where"] {
            XCTAssertTrue(first.stdout.contains("\(stage): running (never run; submitted as Slurm job "), first.stdout)
            XCTAssertEqual(first.statuses[stage], "ran", first.stdout)
        }
        XCTAssertTrue(first.stdout.split(separator: "\n").contains("here: running (never run)"), first.stdout)
        let job = try XCTUnwrap(scratch.read(".pipe/objects/\(try key(of: "where", in: ".pipe"))/out/job"))
        XCTAssertNotNil(Int(job.dropFirst(4).trimmingCharacters(in: .whitespacesAndNewlines)), "the command did not run inside a Slurm job: \(job)")
        XCTAssertEqual(scratch.read(".pipe/objects/\(try key(of: "here", in: ".pipe"))/out/job"), "job=\n")

        // The same pipeline run locally stores the same results under the same keys.
        let local = try pipe("run", "p.yaml", "--state-dir", "local-state", "--stage", "split")
        XCTAssertEqual(local.status, 0, local.stderr)
        for stage in ["synth", "ingest", "split"] {
            let key = try key(of: stage, in: ".pipe")
            XCTAssertEqual(key, try self.key(of: stage, in: "local-state"))
            XCTAssertEqual(try outputHash(key, in: ".pipe"), try outputHash(key, in: "local-state"), stage)
        }

        let again = try pipe("run", "p.yaml", "--executor", "slurm")
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertFalse(again.stdout.contains("submitted"), again.stdout)
        XCTAssertEqual(Set(again.statuses.values), ["cached"], again.stdout)
        XCTAssertEqual(try LocalSlurm.jobs(named: "pipe-where"), [])
    }

    func testCancelledTimedOutAndKilledJobsAreReportedAndStoreNothing() throws {
        let marks = scratch.url("marks").path
        try scratch.write("p.yaml", """
            name: doomed
            executor: slurm
            stages:
              cancelled:
                kind: command
                with: { run: "touch \(marks)-cancelled; echo waiting to be cancelled; sleep 300" }
              killed:
                kind: command
                with: { run: "touch \(marks)-killed; echo about to be killed; sleep 300" }
              slow:
                kind: command
                resources: { time: "1" }
                with: { run: "echo over time; sleep 300" }
              fine:
                kind: command
                with: { run: "echo ok > $PIPE_OUT/ok" }
            """)
        let log = scratch.url("run.log")
        let run = try scratch.start(["run", "p.yaml", "--keep-going"], output: log, environment: environment)
        XCTAssertTrue(scratch.waitFor("marks-cancelled", timeout: 60), "the `cancelled` job never started")
        XCTAssertTrue(scratch.waitFor("marks-killed", timeout: 60), "the `killed` job never started")
        let cancelled = try XCTUnwrap(LocalSlurm.jobs(named: "pipe-cancelled").first)
        XCTAssertEqual(try LocalSlurm.command("scancel", [cancelled]).status, 0)
        // SIGKILL (a node dying, the OOM killer) leaves the job no chance to record anything: the scheduler's
        // state and the log must explain it.
        let killed = try XCTUnwrap(LocalSlurm.jobs(named: "pipe-killed").first)
        XCTAssertEqual(try LocalSlurm.run("/usr/bin/pkill", ["-KILL", "-f", "jobs/killed-.*/ticket.json"]).status, 0)
        run.waitUntilExit()
        let output = try String(contentsOf: log, encoding: .utf8)
        XCTAssertEqual(run.terminationStatus, 1, output)
        XCTAssertTrue(output.contains("fine: ran"), output)
        XCTAssertTrue(output.contains("cancelled: FAILED: Slurm job \(cancelled) was stopped before it finished: CANCELLED"), output)
        XCTAssertTrue(output.contains("it was cancelled (scancel); nothing was stored"), output)
        XCTAssertTrue(output.contains("killed: FAILED: Slurm job \(killed) ended without recording a result"), output)
        XCTAssertTrue(output.contains("pipe: stage `killed` (key "), "the log's tail is missing:\n\(output)")
        XCTAssertTrue(output.contains("slow: FAILED: Slurm job"), output)
        XCTAssertTrue(output.contains("TIMEOUT"), output)
        XCTAssertTrue(output.contains("so raise resources.time"), output)
        XCTAssertEqual(scratch.storedKeys().count, 1, "only `fine` may be stored")
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: scratch.url(".pipe/tmp").path)) ?? [], [],
                       "run folders of failed jobs are left behind")
    }

    func testInterruptCancelsSubmittedJobsAndReleasesTheLock() throws {
        let mark = scratch.url("started").path
        try scratch.write("p.yaml", """
            name: interrupted
            stages:
              long: { kind: command, with: { run: "touch \(mark); sleep 300" } }
            """)
        let log = scratch.url("run.log")
        let run = try scratch.start(["run", "p.yaml", "--executor", "slurm"], output: log, environment: environment)
        XCTAssertTrue(scratch.waitFor("started", timeout: 60), "the job never started")
        XCTAssertEqual(try LocalSlurm.jobs(named: "pipe-long").count, 1)
        kill(run.processIdentifier, SIGINT)
        run.waitUntilExit()
        XCTAssertEqual(run.terminationStatus, 130, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
        let deadline = Date(timeIntervalSinceNow: 20)
        while try !LocalSlurm.jobs(named: "pipe-long").isEmpty && Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
        XCTAssertEqual(try LocalSlurm.jobs(named: "pipe-long"), [], "the job outlived the interrupted run")
        let next = try pipe("run", "p.yaml", "--no-wait", "--dry-run")
        XCTAssertEqual(next.status, 0, next.stderr)
        XCTAssertTrue(scratch.storedKeys().isEmpty)
    }

    private func key(of stage: String, in state: String) throws -> String {
        let outputs = try pipe("outputs", "p.yaml", stage, "--state-dir", state)
        let path = try XCTUnwrap(outputs.stdout.split(separator: "\t").last, outputs.stdout + outputs.stderr)
        return URL(fileURLWithPath: path.trimmingCharacters(in: .whitespacesAndNewlines)).deletingLastPathComponent().lastPathComponent
    }

    private func outputHash(_ key: String, in state: String) throws -> String {
        let data = try Data(contentsOf: scratch.url("\(state)/objects/\(key)/meta.json"))
        return try XCTUnwrap((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["outputHash"] as? String)
    }
}
