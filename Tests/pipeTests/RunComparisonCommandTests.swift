import Foundation
import XCTest

/// `pipe report --runs`: one page comparing two recorded runs of a tiny pipeline, and its errors.
final class RunComparisonCommandTests: XCTestCase {
    static let yaml = """
        name: tiny-compare
        seed: 5
        params: { threshold: 0.5 }
        stages:
          synth: { kind: synthesize, with: { dataset: breakhis, patients: 12, images_per_patient: 2, magnifications: [100], width: 40, height: 32 } }
          ingest: { kind: ingest, needs: [synth], with: { dataset: breakhis } }
          split: { kind: split, needs: [ingest], with: { train: 0.5, val: 0.25, test: 0.25 } }
          weights: { kind: import-weights, with: { arch: densenet121, source: none } }
          train:
            kind: fine-tune
            needs: [split, weights]
            with: { image_size: 32, head: [{ layer: dense, units: 2 }], optimizer: { name: sgd, lr: 0.001, momentum: 0.9 }, batch_size: 8, freeze: backbone, epochs: 2 }
          evaluate: { kind: evaluate, needs: [train, split], with: { bootstrap: 20, threshold: "${params.threshold}" } }

        """

    /// Runs the pipeline and returns the run id and the evaluate stage's metrics.json.
    static func record(_ scratch: Scratch, _ arguments: String...) throws -> (id: String, metrics: [String: Any]) {
        try scratch.recordedRun("t.yaml", arguments)
    }

    func testTwoRunsOnOnePage() throws {
        let scratch = try Scratch()
        try scratch.write("t.yaml", Self.yaml)
        let runs = [try Self.record(scratch), try Self.record(scratch, "--set", "params.threshold=0.3")]
        let report = try scratch.pipe("report", "--runs", "HEAD~1", "HEAD")
        XCTAssertEqual(report.status, 0, report.stderr)
        let path = report.stdout.trimmingCharacters(in: .newlines)
        XCTAssertTrue(path.hasSuffix(".pipe/reports/\(runs[0].id)-\(runs[1].id)/index.html"), path)
        let html = try String(contentsOfFile: path, encoding: .utf8)
        let table = try XCTUnwrap(html.components(separatedBy: "id=\"comparison\"").last?.components(separatedBy: "</section>").first)
        XCTAssertTrue(table.contains("<th>threshold</th>"), "the differing param is a column")
        XCTAssertFalse(table.contains("<th>lr</th>"))
        for (run, threshold) in zip(runs, ["0.5", "0.3"]) {
            XCTAssertTrue(table.contains("<td>\(run.id)</td>"), run.id)
            XCTAssertTrue(html.contains("id=\"run-\(run.id)\""), run.id)
            XCTAssertTrue(html.contains(">\(run.id) threshold=\(threshold)</text>"), "legend of \(run.id)")
            for name in ["accuracy", "balanced_accuracy", "roc_auc"] {
                let value = try XCTUnwrap(run.metrics[name] as? Double), ci = try XCTUnwrap(run.metrics[name + "_ci"] as? [Double])
                XCTAssertTrue(table.contains(String(format: "<td>%.4f (%.4f–%.4f)</td>", value, ci[0], ci[1])), "\(run.id) \(name)")
            }
        }
        let roc = try XCTUnwrap(html.components(separatedBy: "aria-label=\"ROC\"").dropFirst().first?.components(separatedBy: "</svg>").first)
        XCTAssertEqual(roc.components(separatedBy: "<polyline").count - 1, 2, "one ROC curve per run")
        XCTAssertEqual(html.components(separatedBy: "class=\"run-training\"").count - 1, 2, "training curves per run")
        XCTAssertEqual(html.components(separatedBy: "The dotted line marks epoch ").count - 1, 2, "the kept epoch of each run")
        XCTAssertTrue(html.contains(", the best by val_loss.</p>"))
        XCTAssertTrue(html.contains("<td>evaluate</td><td>ran</td>") && html.contains("<td>train</td><td>cached</td>"))
        let byFile = try scratch.pipe("report", "--pipeline", "t.yaml")
        XCTAssertEqual(byFile.stdout, report.stdout, "the last two runs of the file, oldest first")

        // gc removes the first run's evaluate result: the page says so and still compares the recorded metrics.
        XCTAssertEqual(try scratch.pipe("gc").status, 0)
        let out = scratch.root.appendingPathComponent("cmp").path
        let after = try scratch.pipe("report", "--runs", String(runs[0].id.prefix(6)), runs[1].id, "--out", out)
        XCTAssertEqual(after.status, 0, after.stderr)
        XCTAssertEqual(after.stdout, out + "/index.html\n")
        let pruned = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        XCTAssertTrue(pruned.contains("The result of evaluate was removed by pipe gc"), pruned)
        let left = try XCTUnwrap(pruned.components(separatedBy: "aria-label=\"ROC\"").dropFirst().first?.components(separatedBy: "</svg>").first)
        XCTAssertEqual(left.components(separatedBy: "<polyline").count - 1, 1)
        XCTAssertTrue(pruned.contains(String(format: "%.4f", try XCTUnwrap(runs[0].metrics["roc_auc"] as? Double))))
    }

    func testBadInputsGetClearErrors() throws {
        let scratch = try Scratch()
        let none = try scratch.pipe("report", "--runs", "HEAD~1", "HEAD")
        XCTAssertEqual(none.status, 1)
        XCTAssertTrue(none.stderr.contains("this store has no recorded runs yet"), none.stderr)
        try scratch.write("c.yaml", "name: c\nstages:\n  a: { kind: command, with: { run: \"echo a > $PIPE_OUT/x\" } }\n")
        XCTAssertEqual(try scratch.pipe("run", "c.yaml").status, 0)
        let one = try scratch.pipe("report", "--runs", "HEAD")
        XCTAssertNotEqual(one.status, 0)
        XCTAssertTrue(one.stderr.contains("give at least two runs to compare"), one.stderr)
        let unknown = try scratch.pipe("report", "--runs", "HEAD", "beef")
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("no run `beef` in the history; recent runs: "), unknown.stderr)
        let single = try scratch.pipe("report", "--pipeline", "c.yaml")
        XCTAssertEqual(single.status, 1)
        XCTAssertTrue(single.stderr.contains("c.yaml has 1 recorded run in .pipe/runs; a comparison needs two"), single.stderr)
        let both = try scratch.pipe("report", "--pipeline", "c.yaml", "--runs", "HEAD", "HEAD~1")
        XCTAssertNotEqual(both.status, 0)
        XCTAssertTrue(both.stderr.contains("give either --runs or --pipeline, not both"), both.stderr)
        let twice = try scratch.pipe("report", "--runs", "HEAD", "HEAD")
        XCTAssertEqual(twice.status, 1)
        XCTAssertTrue(twice.stderr.contains("names the same run twice"), twice.stderr)
    }
}
