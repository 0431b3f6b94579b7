import Foundation
import XCTest

/// The shipped recipe pipelines, unchanged but for `--set` overrides, run end to end on tiny synthetic data:
/// small images, one or two epochs, random weights (`source: none`) and, where the file lets a parameter choose
/// it, the smaller DenseNet121.
final class RecipePipelinesTests: XCTestCase {
    private var scratch: Scratch!

    override func setUpWithError() throws {
        scratch = try Scratch()
    }

    private static func pipeline(_ name: String) -> String {
        PipeBinary.packageRoot.appendingPathComponent("pipelines/\(name).yaml").path
    }

    /// Writes a synthetic data set below the scratch folder and returns its path.
    private func synthesize(_ dataset: String, patients: Int) throws -> String {
        let out = scratch.url(dataset).path
        let result = try scratch.pipe("synth", dataset, "--out", out, "--patients", "\(patients)", "--images-per-patient", "1",
                                      "--width", "40", "--height", "32", "--seed", "5")
        XCTAssertEqual(result.status, 0, result.stderr)
        return out
    }

    /// `pipe ARGUMENTS --set ...` for each override.
    private func pipe(_ arguments: [String], _ overrides: [String]) throws -> PipeBinary.Output {
        try PipeBinary.run(arguments + overrides.flatMap { ["--set", $0] }, in: scratch.root)
    }

    /// The console line of `stage` in a run's output.
    private static func line(_ stage: String, in output: String) -> String {
        output.split(separator: "\n").map(String.init).first { $0.hasPrefix(stage + ": ") } ?? ""
    }

    func testFaithfulBreakHisDenseNetRunsAndADryRunEstimatesFromTheMeasuredRate() throws {
        let data = try synthesize("breakhis", patients: 10)
        let file = Self.pipeline("breakhis-densenet")
        let tiny = ["params.data=\(data)", "params.arch=densenet121", "params.image_size=32", "params.epochs=2",
                    "stages.weights.with.source=none", "stages.evaluate.with.bootstrap=20"]
        let before = try pipe(["run", file, "--dry-run"], tiny)
        XCTAssertEqual(before.status, 0, before.stdout + before.stderr)
        XCTAssertTrue(Self.line("train", in: before.stdout).contains("would run"), before.stdout)
        let run = try pipe(["run", file], tiny)
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertEqual(Set(run.statuses.values), ["ran"], run.stdout)
        let history = try String(contentsOf: outputs(file, "train", tiny).appendingPathComponent("history.csv"), encoding: .utf8)
        XCTAssertEqual(history.split(separator: "\n").count, 3, "a header and two epochs: \(history)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: scratch.url(".pipe/throughput.json").path))
        // A changed rate reruns train; the dry run says so, with an estimate from the rate the run measured.
        let changed = try pipe(["run", file, "--dry-run"], tiny + ["params.lr=0.0001"])
        let train = Self.line("train", in: changed.stdout)
        XCTAssertTrue(train.contains("would run"), changed.stdout)
        XCTAssertTrue(train.contains("estimate: up to"), train)
        XCTAssertTrue(train.contains("2 epochs ×") && train.contains("img/s") && train.contains("measured here"), train)
        XCTAssertFalse(Self.line("split", in: changed.stdout).contains("would run"), changed.stdout)
    }

    func testFaithfulComparisonRunsEveryArchitecture() throws {
        let data = try synthesize("breakhis", patients: 10)
        // Two small architectures stand in for the four (the matrix is the file's; the sizes are tiny).
        let archs = "[densenet121, resnet50]"
        let run = try pipe(["run", Self.pipeline("breakhis-compare")],
                           ["params.data=\(data)", "params.image_size=32", "params.epochs=1", "stages.weights.with.source=none",
                            "stages.weights.matrix.arch=\(archs)", "stages.train.matrix.arch=\(archs)",
                            "stages.evaluate.matrix.arch=\(archs)", "stages.evaluate.with.bootstrap=20"])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertEqual(run.statuses["train@resnet50"], "ran", run.stdout)
        XCTAssertEqual(run.statuses["report"], "ran", run.stdout)
    }

    func testFaithfulCBISDDSMRuns() throws {
        let data = try synthesize("cbis-ddsm", patients: 12)
        let run = try pipe(["run", Self.pipeline("cbis-ddsm-densenet")],
                           ["params.data=\(data)", "params.arch=densenet121", "params.image_size=32", "params.epochs=1",
                            "stages.weights.with.source=none"])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertEqual(run.statuses["report"], "ran", run.stdout)
    }

    func testFastRecipeContinuesFromTheHeadPhase() throws {
        let data = try synthesize("breakhis", patients: 10)
        let file = Self.pipeline("breakhis-densenet-fast")
        let tiny = ["params.data=\(data)", "params.arch=densenet121", "params.image_size=32", "stages.head.with.epochs=2",
                    "stages.tune.with.epochs=1", "stages.weights.with.source=none", "stages.evaluate.with.bootstrap=20"]
        let run = try pipe(["run", file], tiny)
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertEqual(run.statuses["tune"], "ran", run.stdout)
        XCTAssertTrue((run.stdout + run.stderr).contains("freezing the backbone through `pool4`"), run.stdout + run.stderr)
        let head = try String(contentsOf: outputs(file, "head", tiny).appendingPathComponent("head.json"), encoding: .utf8)
        let tuned = try String(contentsOf: outputs(file, "tune", tiny).appendingPathComponent("head.json"), encoding: .utf8)
        XCTAssertEqual(tuned, head, "phase 2 keeps phase 1's head")
        // Phase 2's estimate comes from the rates phase 1 (the backbone's forward pass) and phase 2 (the layers after pool4) measured.
        let dry = try pipe(["run", file, "--dry-run"], tiny + ["params.tune_lr=0.0001"])
        let tune = Self.line("tune", in: dry.stdout)
        XCTAssertTrue(tune.contains("estimate: up to") && tune.contains("once through the layers up to pool4") && tune.contains("then 1 epoch ×"), dry.stdout)
        // A new phase 1 result (another learning rate for the head) is a new starting point: phase 2 reruns.
        let again = try pipe(["run", file], tiny + ["stages.head.with.optimizer.lr=0.002"])
        XCTAssertEqual(again.statuses["tune"], "ran", again.stdout)
        // A head that is not phase 1's is an error naming both stages.
        let mismatch = try pipe(["run", file], tiny + ["stages.tune.with.head=[{ layer: dense, units: 2 }]"])
        XCTAssertNotEqual(mismatch.status, 0)
        let said = mismatch.stdout + mismatch.stderr
        XCTAssertTrue(said.contains("differs from the head of `head` (init_from)") && said.contains("in `tune`"), said)
    }

    func testInitFromMustBeANeededStage() throws {
        let file = Self.pipeline("breakhis-densenet-fast")
        let data = "params.data=\(try synthesize("breakhis", patients: 4))"
        let result = try pipe(["run", file, "--dry-run"], [data, "stages.tune.with.init_from=weights"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue((result.stdout + result.stderr).contains("`init_from: weights` is not in its needs (split, head); add `weights` to `needs`"),
                      result.stdout + result.stderr)
        // Without a fine-tune stage in `needs`, the artifact check says what is missing before any plan.
        let none = try pipe(["run", file, "--dry-run"], [data, "stages.tune.needs=[split, weights]"])
        XCTAssertNotEqual(none.status, 0)
        XCTAssertTrue((none.stdout + none.stderr).contains("reads a trained classifier, which neither `split` nor `weights` produces"), none.stdout + none.stderr)
    }

    private func outputs(_ file: String, _ stage: String, _ overrides: [String]) throws -> URL {
        let result = try pipe(["outputs", file, stage], overrides)
        return URL(fileURLWithPath: try XCTUnwrap(result.stdout.split(separator: "\t").last?.trimmingCharacters(in: .newlines)))
    }
}
