import Foundation
import XCTest

/// `pipe log`, `pipe exp show`, `pipe exp diff` and `pipe run --sweep` through the binary.
final class RunHistoryCommandTests: XCTestCase {
    private var scratch: Scratch!

    override func setUpWithError() throws {
        scratch = try Scratch()
        try scratch.write("t.yaml", """
            name: tiny
            seed: 5
            params: { lr: 0.001, threshold: 0.5 }
            stages:
              synth: { kind: synthesize, with: { dataset: breakhis, patients: 12, images_per_patient: 2, magnifications: [100], width: 40, height: 32 } }
              ingest: { kind: ingest, needs: [synth], with: { dataset: breakhis } }
              split: { kind: split, needs: [ingest], with: { train: 0.5, val: 0.25, test: 0.25 } }
              weights: { kind: import-weights, with: { arch: densenet121, source: none } }
              train:
                kind: fine-tune
                needs: [split, weights]
                with:
                  image_size: 32
                  head: [{ layer: dense, units: 2 }]
                  optimizer: { name: sgd, lr: "${params.lr}", momentum: 0.9 }
                  batch_size: 8
                  freeze: backbone
                  epochs: 1
              evaluate: { kind: evaluate, needs: [train, split], with: { bootstrap: 20, threshold: "${params.threshold}" } }

            """)
        try scratch.write("c.yaml", """
            name: grid
            params: { lr: 0.1, size: 8, code: 0 }
            stages:
              prep: { kind: command, with: { run: "echo prep > $PIPE_OUT/x" } }
              train: { kind: command, needs: [prep], with: { run: "echo ${params.lr} > $PIPE_OUT/x" } }
              score: { kind: command, needs: [train], with: { run: "echo ${params.size} > $PIPE_OUT/x; exit ${params.code}" } }

            """)
    }

    private func json(_ output: PipeBinary.Output) throws -> Any {
        XCTAssertEqual(output.status, 0, output.stderr)
        return try JSONSerialization.jsonObject(with: Data(output.stdout.utf8))
    }

    /// Runs and returns the run id and the evaluate stage's metrics.json as written.
    private func pipeRun(_ arguments: String...) throws -> (id: String, metrics: [String: Any]) {
        try scratch.recordedRun("t.yaml", arguments)
    }

    func testLogShowAndDiffDescribeThreeRuns() throws {
        let initial = try pipeRun()
        // A second threshold that changes the balanced accuracy, so that sorting by it means something.
        let predictions = try PredictionsReference(contentsOf: URL(fileURLWithPath: try XCTUnwrap(
            try scratch.pipe("outputs", "t.yaml", "evaluate").stdout.split(separator: "\t").last?.trimmingCharacters(in: .newlines)) + "/predictions.csv"))
        let scored = predictions.rows.map { ($0["label"] == "malignant", predictions.probability($0, "prob_malignant")) }
        func balanced(_ threshold: Double) -> Double {
            let positives = scored.filter(\.0), negatives = scored.filter { !$0.0 }
            return (Double(positives.filter { $0.1 >= threshold }.count) / Double(positives.count)
                + Double(negatives.filter { $0.1 < threshold }.count) / Double(negatives.count)) / 2
        }
        let threshold = try XCTUnwrap(scored.map(\.1).sorted().map { $0 + 1e-6 }.first { balanced($0) != balanced(0.5) })
        let runs: [(id: String, metrics: [String: Any])] = [initial, try pipeRun("--set", "params.threshold=\(threshold)"), try pipeRun("--set", "params.threshold=0.999")]
        let log = try scratch.pipe("log", "t.yaml")
        XCTAssertEqual(log.status, 0, log.stderr)
        let lines = log.stdout.split(separator: "\n")
        XCTAssertEqual(lines.map { String($0.prefix(8)) }, runs.reversed().map(\.id), "newest first")
        XCTAssertTrue(lines[0].contains("succeeded  1 ran, 5 cached  --set params.threshold=0.999  roc_auc "), String(lines[0]))
        XCTAssertTrue(lines[2].contains("6 ran  no overrides"), String(lines[2]))
        let logged = try XCTUnwrap(try json(scratch.pipe("log", "t.yaml", "--json", "--last", "2")) as? [[String: Any]])
        XCTAssertEqual(logged.map { $0["id"] as? String }, [runs[2].id, runs[1].id])
        XCTAssertEqual(logged[0]["overrides"] as? [String], ["params.threshold=0.999"])

        let show = try XCTUnwrap(try json(scratch.pipe("exp", "show", "t.yaml", "--json")) as? [String: Any])
        XCTAssertEqual(show["params"] as? [String], ["threshold"], "only the param that differs")
        let shown = try XCTUnwrap(show["runs"] as? [[String: Any]])
        XCTAssertEqual(shown.map { $0["id"] as? String }, runs.reversed().map(\.id))
        for (row, run) in zip(shown, runs.reversed()) {
            let metrics = try XCTUnwrap((row["metrics"] as? [String: Any])?["evaluate"] as? [String: Any])
            for name in ["accuracy", "balanced_accuracy", "roc_auc"] {
                XCTAssertEqual(metrics[name] as? Double, run.metrics[name] as? Double, name)
                XCTAssertEqual(metrics[name + "_ci"] as? [Double], run.metrics[name + "_ci"] as? [Double], name)
            }
            XCTAssertEqual(metrics["patient_rate"] as? Double, (run.metrics["patient_level"] as? [String: Any])?["recognition_rate"] as? Double)
        }
        XCTAssertEqual((shown[1]["params"] as? [String: Any])?["threshold"] as? Double, threshold)
        let stages = try XCTUnwrap(shown[1]["stages"] as? [[String: Any]])
        XCTAssertEqual(stages.map { $0["name"] as? String }, ["synth", "ingest", "split", "weights", "train", "evaluate"])
        XCTAssertEqual(stages.map { $0["status"] as? String }, ["cached", "cached", "cached", "cached", "cached", "ran"])
        let reasons = try XCTUnwrap(stages[5]["reasons"] as? [String])
        XCTAssertEqual(reasons.count, 1)
        XCTAssertTrue(reasons[0].hasPrefix("param with.threshold changed: 0.5 -> 0."), reasons[0])

        let accuracies = runs.map { $0.metrics["balanced_accuracy"] as? Double ?? -1 }
        XCTAssertGreaterThan(Set(accuracies).count, 1, "the thresholds should give different scores, or the sort shows nothing")
        let sorted = try XCTUnwrap(try json(scratch.pipe("exp", "show", "t.yaml", "--json", "--sort", "balanced_accuracy")) as? [String: Any])
        let values = (sorted["runs"] as? [[String: Any]] ?? []).map { (($0["metrics"] as? [String: Any])?["evaluate"] as? [String: Any])?["balanced_accuracy"] as? Double ?? -1 }
        XCTAssertEqual(values, runs.reversed().map { $0.metrics["balanced_accuracy"] as? Double ?? -1 }.sorted(by: >))

        let csv = try scratch.pipe("exp", "show", "t.yaml", "--csv")
        let table = csv.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(table.count, 4)
        XCTAssertEqual(Array(table[0].prefix(7)), ["id", "started", "outcome", "params.threshold", "accuracy", "accuracy_low", "accuracy_high"])
        XCTAssertTrue(table.allSatisfy { $0.count == table[0].count }, csv.stdout)
        XCTAssertEqual(table[3][0], runs[0].id)
        XCTAssertEqual(Double(table[3][4]), runs[0].metrics["accuracy"] as? Double)
        XCTAssertEqual(table[1][table[0].firstIndex(of: "train")!], "cached")

        let wide = try PipeBinary.run(["exp", "show", "t.yaml"], in: scratch.root, environment: ["COLUMNS": "250"]).stdout.split(separator: "\n")
        XCTAssertEqual(wide.count, 4, wide.joined(separator: "\n"))
        XCTAssertEqual(wide[0].split(separator: " "), ["run", "started", "threshold", "acc", "bal_acc", "auc", "patient",
                                                        "synth", "ingest", "split", "weights", "train", "evaluate"])
        XCTAssertTrue(wide[2].hasPrefix("\(runs[1].id)  "), String(wide[2]))
        XCTAssertTrue(wide[2].hasSuffix("  cached   cached   cached   cached   cached   ran:threshold"), String(wide[2]))
        XCTAssertTrue(wide[3].hasSuffix("  ran:new  ran:new  ran:new  ran:new  ran:new  ran:new"), String(wide[3]))
        let narrow = try PipeBinary.run(["exp", "show", "t.yaml"], in: scratch.root, environment: ["COLUMNS": "100"]).stdout.split(separator: "\n")
        XCTAssertTrue(narrow.allSatisfy { $0.count <= 100 }, narrow.joined(separator: "\n"))
        XCTAssertTrue(narrow[0].hasSuffix("  stages"), String(narrow[0]))

        let diff = try scratch.pipe("exp", "diff", "HEAD", String(runs[1].id.prefix(6)))
        XCTAssertEqual(diff.status, 0, diff.stderr)
        let marked = diff.stdout.split(separator: "\n").filter { $0.hasPrefix("* ") }.map { $0.split(separator: " ")[1] }
        let differ = try XCTUnwrap(try json(scratch.pipe("exp", "diff", "HEAD", "HEAD~1", "--json")) as? [String: Any])
        func differing(_ section: String) -> [String] {
            (differ[section] as? [[String: Any]] ?? []).filter { $0["differs"] as? Bool == true }.compactMap { $0["name"] as? String }
        }
        XCTAssertEqual(differing("params"), ["threshold"])
        XCTAssertEqual(differing("stages"), ["evaluate"])
        XCTAssertEqual(Array(marked.prefix(2)), ["threshold", "evaluate"], diff.stdout)
        XCTAssertEqual(marked.count, 2 + differing("metrics").count, diff.stdout)

        // gc drops the first two evaluate results; their recorded values stay and are marked.
        XCTAssertEqual(try scratch.pipe("gc").status, 0)
        let after = try XCTUnwrap(try json(scratch.pipe("exp", "show", "t.yaml", "--json")) as? [String: Any])
        let first = try XCTUnwrap((after["runs"] as? [[String: Any]])?.last)
        XCTAssertEqual(((first["metrics"] as? [String: Any])?["evaluate"] as? [String: Any])?["accuracy"] as? Double, runs[0].metrics["accuracy"] as? Double)
        XCTAssertEqual((first["stages"] as? [[String: Any]])?.map { $0["stored"] as? Bool }, [true, true, true, true, true, false])
        XCTAssertTrue(try scratch.pipe("exp", "show", "t.yaml").stdout.contains("* result removed by pipe gc"))
        XCTAssertTrue(try scratch.pipe("exp", "diff", "HEAD~2", "HEAD").stdout.contains("result removed"))
    }

    func testASweepRunsTheGridAndSharesCachedStages() throws {
        let sweep = try scratch.pipe("run", "c.yaml", "--sweep", "params.lr=0.1,0.2", "--sweep", "params.size=1,2")
        XCTAssertEqual(sweep.status, 0, sweep.stdout + sweep.stderr)
        XCTAssertTrue(sweep.stdout.contains("sweep: 4 of 4 runs, 0 failed"), sweep.stdout)
        let runs = try XCTUnwrap(try json(scratch.pipe("log", "c.yaml", "--json")) as? [[String: Any]]).reversed()
        XCTAssertEqual(runs.map { $0["overrides"] as? [String] ?? [] }, [
            ["params.lr=0.1", "params.size=1"], ["params.lr=0.1", "params.size=2"],
            ["params.lr=0.2", "params.size=1"], ["params.lr=0.2", "params.size=2"],
        ])
        func statuses(_ run: [String: Any]) -> [String] { (run["stages"] as? [[String: Any]] ?? []).compactMap { $0["status"] as? String } }
        XCTAssertEqual(runs.map(statuses), [["ran", "ran", "ran"], ["cached", "cached", "ran"], ["cached", "ran", "ran"], ["cached", "cached", "ran"]])
        for run in runs {
            XCTAssertTrue(sweep.stdout.contains("  \(run["id"] as? String ?? "?")  \((run["overrides"] as? [String] ?? []).joined(separator: " "))  succeeded"), sweep.stdout)
        }
        let failing = try scratch.pipe("run", "c.yaml", "--sweep", "params.code=0,3")
        XCTAssertEqual(failing.status, 1, failing.stdout)
        XCTAssertTrue(failing.stdout.contains("sweep: 2 of 2 runs, 1 failed"), failing.stdout)
        let last = try XCTUnwrap(try json(scratch.pipe("log", "c.yaml", "--json", "--last", "1")) as? [[String: Any]]).first
        XCTAssertEqual(last?["outcome"] as? String, "failed")
        XCTAssertEqual(statuses(last ?? [:]), ["cached", "cached", "failed"])
    }

    func testBadInputsGetClearErrors() throws {
        let empty = try scratch.pipe("log", "c.yaml")
        XCTAssertEqual(empty.status, 1)
        XCTAssertTrue(empty.stderr.contains("no recorded runs of c.yaml in .pipe/runs; `pipe run c.yaml` records one per run"), empty.stderr)
        XCTAssertEqual(try scratch.pipe("exp", "show", "c.yaml").status, 1)
        let none = try scratch.pipe("exp", "diff", "HEAD", "HEAD~1")
        XCTAssertEqual(none.status, 1)
        XCTAssertTrue(none.stderr.contains("this store has no recorded runs yet"), none.stderr)
        XCTAssertEqual(try scratch.pipe("run", "c.yaml").status, 0)
        let unknown = try scratch.pipe("exp", "diff", "HEAD", "beef")
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("no run `beef` in the history; recent runs: "), unknown.stderr)
        XCTAssertEqual(try scratch.pipe("exp", "diff", "HEAD", "HEAD~1").status, 1, "only one run recorded")
        for (arguments, message) in [
            (["--sweep", "params.lr"], "`--sweep params.lr` needs the form PATH=V1,V2,..."),
            (["--sweep", "params.lr=1,,2"], "give one or more values separated by commas, none empty"),
            (["--sweep", "params..lr=1"], "the path before `=` must be dotted names"),
            (["--sweep", "params.lr=1", "--sweep", "params.lr=2"], "is given twice"),
            (["--set", "params.lr=1", "--sweep", "params.lr=2,3"], "`params.lr` is given by both --set and --sweep"),
        ] {
            let bad = try PipeBinary.run(["run", "c.yaml"] + arguments, in: scratch.root)
            XCTAssertNotEqual(bad.status, 0)
            XCTAssertTrue(bad.stderr.contains(message), bad.stderr)
        }
        let sort = try scratch.pipe("exp", "show", "c.yaml", "--sort", "loss")
        XCTAssertNotEqual(sort.status, 0)
        XCTAssertTrue(sort.stderr.contains("--sort loss: not a recorded metric"), sort.stderr)
        XCTAssertEqual(try scratch.pipe("log", "c.yaml").stdout.split(separator: "\n").count, 1, "bad sweeps record no run")
    }
}
