import Foundation
import XCTest

/// A fine-tune stage with `resources.ranks: 2` through `pipe run`: two real processes (`mpirun` locally, `srun`
/// under Slurm) store the same bytes as one process, and a rank killed mid-training fails the stage cleanly
/// and the rerun resumes, on another rank count.
final class DataParallelRunTests: XCTestCase {
    private var scratch: Scratch!

    override func setUpWithError() throws {
        guard MPICheckTests.mpirun != nil else {
            let reason = "SKIPPED: no `mpirun` on the PATH, so data-parallel fine-tuning over MPI was not tested (Debian: apt-get install openmpi-bin libopenmpi3)"
            print(String(repeating: "!", count: 20) + " " + reason)
            throw XCTSkip(reason)
        }
        scratch = try Scratch()
    }

    /// Batch norm and dropout in the head, batch norm through the backbone, online augmentation: everything
    /// whose combination over ranks must follow a fixed order.
    private func write(epochs: Int) throws {
        try scratch.write("p.yaml", TinyFineTune.yaml(
            name: "ranks", seed: 5, optimizer: "{ name: sgd, lr: 0.0001, momentum: 0.9 }", imagesPerPatient: 2,
            head: "[{ layer: batch_norm }, { layer: dropout, rate: 0.3 }, { layer: dense, units: 2 }]", resources: "{ cores: 1 }",
            train: ["freeze: none", "shards: 2", "epochs: \(epochs)", "online_augment: [{ op: flip_horizontal }]"]))
    }

    private func run(_ arguments: [String], environment: [String: String] = [:]) throws -> PipeBinary.Output {
        try PipeBinary.run(["run", "p.yaml"] + arguments, in: scratch.root, environment: environment)
    }

    /// The trained weights and the history without its timing column.
    private func trained(in state: String) throws -> (weights: [Data], history: [String]) {
        let outputs = try PipeBinary.run(["outputs", "p.yaml", "train", "--state-dir", state], in: scratch.root)
        let folder = URL(fileURLWithPath: String(try XCTUnwrap(outputs.stdout.split(separator: "\t").last)).trimmingCharacters(in: .whitespacesAndNewlines))
        let weights = try ["model.safetensors", "head.safetensors"].map { try Data(contentsOf: folder.appendingPathComponent($0)) }
        let history = try String(contentsOf: folder.appendingPathComponent("history.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",").dropLast().joined(separator: ",") }
        return (weights, history)
    }

    func testTwoRanksUnderMpirunAndSrunStoreTheBytesOfOneProcess() throws {
        try write(epochs: 3)
        let one = try run(["--state-dir", "one"])
        XCTAssertEqual(one.status, 0, one.stdout + one.stderr)
        XCTAssertFalse((one.stdout + one.stderr).contains("normalises only"), one.stderr)
        let reference = try trained(in: "one")
        XCTAssertEqual(reference.history.count, 4)

        let local = try run(["--state-dir", "mpirun", "--set", "stages.train.resources.ranks=2"])
        XCTAssertEqual(local.status, 0, local.stdout + local.stderr)
        XCTAssertTrue(local.stdout.contains("train: running (never run; submitted as mpirun (PID "), local.stdout)
        let twoRanks = try trained(in: "mpirun")
        XCTAssertEqual(twoRanks.weights, reference.weights, "2 ranks under mpirun trained other weights than 1 process")
        XCTAssertEqual(twoRanks.history, reference.history)

        // The rank count is not part of the key: the result of one process serves a two-rank run.
        let cached = try run(["--state-dir", "one", "--set", "stages.train.resources.ranks=2"])
        XCTAssertEqual(cached.statuses["train"], "cached", cached.stdout)

        // Shards of 2 images reach DenseNet's 1x1 maps at 32 px: 2 values per channel, which the user is told.
        let thin = try run(["--state-dir", "thin", "--set", "stages.train.with.batch_size=4", "--set", "stages.train.with.epochs=1"])
        XCTAssertTrue((thin.stdout + thin.stderr).contains("train: batch norm `conv5_block1_0_bn` normalises only 2 values per channel in a shard"),
                      thin.stdout + thin.stderr)

        let slurm = try LocalSlurm.environment()
        let cluster = try run(["--state-dir", "slurm", "--executor", "slurm", "--set", "stages.train.resources.ranks=2"], environment: slurm)
        XCTAssertEqual(cluster.status, 0, cluster.stdout + cluster.stderr)
        XCTAssertTrue(cluster.stdout.contains("train: running (never run; submitted as Slurm job "), cluster.stdout)
        let srun = try trained(in: "slurm")
        XCTAssertEqual(srun.weights, reference.weights, "2 ranks under srun trained other weights than 1 process")
        XCTAssertEqual(srun.history, reference.history)
    }

    func testAKilledRankFailsTheStageAndTheRerunResumesInOneProcess() throws {
        try write(epochs: 6)
        let log = scratch.url("run.log")
        let run = try scratch.start(["run", "p.yaml", "--set", "stages.train.resources.ranks=2"], output: log)
        // Wait for the first epoch's resume state, then kill one rank the hard way.
        let deadline = Date(timeIntervalSinceNow: 180)
        var saved = false
        while !saved && Date() < deadline && run.isRunning {
            let folders = (try? FileManager.default.contentsOfDirectory(atPath: scratch.url(".pipe/resume").path)) ?? []
            saved = folders.contains { FileManager.default.fileExists(atPath: scratch.url(".pipe/resume/\($0)/progress.json").path) }
            Thread.sleep(forTimeInterval: 0.1)
        }
        XCTAssertTrue(saved, "no epoch finished: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        let ranks = try LocalSlurm.run("/usr/bin/pgrep", ["-f", "^[^ ]*pipe stage-job .*/jobs/train-"]).stdout.split(separator: "\n")
        XCTAssertEqual(ranks.count, 2, "expected two rank processes")
        kill(pid_t(String(try XCTUnwrap(ranks.last)))!, SIGKILL)
        run.waitUntilExit()
        let output = try String(contentsOf: log, encoding: .utf8)
        XCTAssertEqual(run.terminationStatus, 1, output)
        XCTAssertTrue(output.contains("train: FAILED: mpirun (PID "), output)
        XCTAssertTrue(output.contains("ended without recording a result"), output)
        XCTAssertEqual(try LocalSlurm.run("/usr/bin/pgrep", ["-f", "^[^ ]*pipe stage-job .*/jobs/train-"]).stdout, "", "a rank outlived the run")
        XCTAssertFalse(output.contains("train: ran"), output)

        let resumed = try self.run([])
        XCTAssertEqual(resumed.status, 0, resumed.stdout + resumed.stderr)
        XCTAssertTrue((resumed.stdout + resumed.stderr).contains("train: resuming after epoch"), resumed.stdout + resumed.stderr)
        XCTAssertEqual(resumed.statuses["train"], "ran", resumed.stdout)
    }
}
