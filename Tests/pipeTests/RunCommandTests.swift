import Foundation
import XCTest

/// `pipe run` end to end on pipelines of `command` stages: caching, reruns, early cutoff, dry runs.
final class RunCommandTests: XCTestCase {
    private var scratch: Scratch!

    override func setUpWithError() throws {
        scratch = try Scratch()
        try scratch.write("data/a.txt", "alpha\n")
        try scratch.write("data/b.txt", "beta\n")
        try scratch.write("p.yaml", """
            name: e2e
            params: { suffix: "!", extra: 0 }
            stages:
              prep:
                kind: command
                with: { run: "cat data/a.txt data/b.txt > $PIPE_OUT/all.txt", deps: [data], outs: [all.txt] }
              shout:
                kind: command
                needs: [prep]
                with: { run: "tr a-z A-Z < $PIPE_IN_PREP/all.txt > $PIPE_OUT/loud.txt; echo '${params.suffix}' >> $PIPE_OUT/loud.txt" }
              count:
                kind: command
                needs: [prep]
                with: { run: "wc -l < $PIPE_IN_PREP/all.txt > $PIPE_OUT/n.txt # ${params.extra}" }
              report:
                kind: command
                needs: [shout, count]
                with: { run: "cat $PIPE_IN_SHOUT/loud.txt $PIPE_IN_COUNT/n.txt > $PIPE_OUT/report.txt" }
              lonely:
                kind: command
                with: { run: "echo alone > $PIPE_OUT/x.txt" }
            """)
    }

    func testFirstRunRunsAllThenEverythingIsCached() throws {
        let first = try scratch.pipe("run", "p.yaml")
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(first.statuses, ["prep": "ran", "shout": "ran", "count": "ran", "report": "ran", "lonely": "ran"])
        let second = try scratch.pipe("run", "p.yaml")
        XCTAssertEqual(second.statuses, ["prep": "cached", "shout": "cached", "count": "cached", "report": "cached", "lonely": "cached"])
        let outputs = try scratch.pipe("outputs", "p.yaml", "report")
        let folder = outputs.stdout.split(separator: "\t").last!.trimmingCharacters(in: .newlines)
        XCTAssertEqual(try String(contentsOfFile: folder + "/report.txt", encoding: .utf8), "ALPHA\nBETA\n!\n2\n")
    }

    func testAParamChangeRerunsExactlyThatStageAndItsDependents() throws {
        _ = try scratch.pipe("run", "p.yaml")
        let changed = try scratch.pipe("run", "p.yaml", "--set", "params.suffix=x")
        XCTAssertEqual(changed.statuses, ["prep": "cached", "shout": "ran", "count": "cached", "report": "ran", "lonely": "cached"])
        XCTAssertTrue(changed.stdout.contains("shout: running (param with.run changed"), changed.stdout)
    }

    func testEarlyCutoffKeepsDependentsCachedWhenTheOutputIsUnchanged() throws {
        _ = try scratch.pipe("run", "p.yaml")
        // The comment changes count's command, not its output.
        let changed = try scratch.pipe("run", "p.yaml", "--set", "params.extra=1")
        XCTAssertEqual(changed.statuses, ["prep": "cached", "shout": "cached", "count": "ran", "report": "cached", "lonely": "cached"])
        let forced = try scratch.pipe("run", "p.yaml", "--set", "params.extra=2", "--force-downstream")
        XCTAssertEqual(forced.statuses["report"], "ran")
    }

    func testTouchingAnInputWithoutChangingItRerunsNothing() throws {
        _ = try scratch.pipe("run", "p.yaml")
        try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: scratch.url("data/a.txt").path)
        XCTAssertEqual(Set(try scratch.pipe("run", "p.yaml").statuses.values), ["cached"])
        try scratch.write("data/a.txt", "alpha2\n")
        let edited = try scratch.pipe("run", "p.yaml")
        XCTAssertEqual(edited.statuses, ["prep": "ran", "shout": "ran", "count": "ran", "report": "ran", "lonely": "cached"])
    }

    func testDryRunChangesNothing() throws {
        let before = try scratch.pipe("run", "p.yaml", "--dry-run")
        XCTAssertEqual(Set(before.statuses.values), ["would run"])
        XCTAssertTrue(before.stdout.contains("shout: would run (never run)"), before.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.url(".pipe").path), "a dry run creates no state folder")
        _ = try scratch.pipe("run", "p.yaml")
        try scratch.write("data/b.txt", "gamma\n")
        let listing = try FileManager.default.subpathsOfDirectory(atPath: scratch.url(".pipe").path).sorted()
        let state = try FileManager.default.contentsOfDirectory(atPath: scratch.url(".pipe/state").path)
        let stateText = scratch.read(".pipe/state/" + state[0])
        let dry = try scratch.pipe("run", "p.yaml", "--dry-run")
        XCTAssertEqual(dry.statuses["prep"], "would run")
        XCTAssertTrue(dry.stdout.contains("prep: would run (input data changed: b.txt changed)"), dry.stdout)
        XCTAssertEqual(try FileManager.default.subpathsOfDirectory(atPath: scratch.url(".pipe").path).sorted(), listing)
        XCTAssertEqual(scratch.read(".pipe/state/" + state[0]), stateText)
    }

    func testStatusNamesWhatChanged() throws {
        let never = try scratch.pipe("status", "p.yaml")
        XCTAssertTrue(never.stdout.contains("prep: never-run"), never.stdout)
        _ = try scratch.pipe("run", "p.yaml")
        let status = try scratch.pipe("status", "p.yaml", "--set", "params.suffix=x")
        XCTAssertEqual(status.status, 0)
        XCTAssertTrue(status.stdout.contains("prep: up-to-date\n"), status.stdout)
        XCTAssertTrue(status.stdout.contains("shout: stale (param with.run changed: \"tr a-z A-Z"), status.stdout)
        XCTAssertTrue(status.stdout.contains("report: stale (upstream `shout` is stale)"), status.stdout)
    }

    func testJSONSummary() throws {
        let result = try scratch.pipe("run", "p.yaml", "--json", "--stage", "count")
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(object?["pipeline"] as? String, "e2e")
        let stages = object?["stages"] as? [[String: Any]] ?? []
        XCTAssertEqual(stages.map { $0["name"] as? String }, ["prep", "count"])
        XCTAssertEqual(stages.map { $0["status"] as? String }, ["ran", "ran"])
        for stage in stages {
            XCTAssertEqual((stage["key"] as? String)?.count, 64)
            XCTAssertTrue(FileManager.default.fileExists(atPath: stage["output"] as? String ?? "/nonexistent"))
        }
    }

    func testStagesDeclaringAllCoresNeverOverlap() throws {
        try scratch.write("cores.yaml", """
            name: cores
            stages:
              big1: { kind: command, with: { run: "date +%s.%N > $PIPE_OUT/start; sleep 0.3; date +%s.%N > $PIPE_OUT/end; echo big1 > $PIPE_OUT/id", cores: 2 } }
              big2: { kind: command, with: { run: "date +%s.%N > $PIPE_OUT/start; sleep 0.3; date +%s.%N > $PIPE_OUT/end; echo big2 > $PIPE_OUT/id", cores: 2 } }
              small1: { kind: command, with: { run: "date +%s.%N > $PIPE_OUT/start; sleep 0.3; date +%s.%N > $PIPE_OUT/end; echo 1 > $PIPE_OUT/id" } }
              small2: { kind: command, with: { run: "date +%s.%N > $PIPE_OUT/start; sleep 0.3; date +%s.%N > $PIPE_OUT/end; echo 2 > $PIPE_OUT/id" } }
            """)
        XCTAssertEqual(try scratch.pipe("run", "cores.yaml", "-j", "2").status, 0)
        var spans: [String: (Double, Double)] = [:]
        for line in try scratch.pipe("outputs", "cores.yaml").stdout.split(separator: "\n") {
            let parts = line.split(separator: "\t").map(String.init)
            let start = Double(try String(contentsOfFile: parts[1] + "/start", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))!
            let end = Double(try String(contentsOfFile: parts[1] + "/end", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))!
            spans[parts[0]] = (start, end)
        }
        func overlap(_ a: String, _ b: String) -> Bool { spans[a]!.0 < spans[b]!.1 && spans[b]!.0 < spans[a]!.1 }
        XCTAssertFalse(overlap("big1", "big2"))
        XCTAssertFalse(overlap("big1", "small1") || overlap("big1", "small2") || overlap("big2", "small1") || overlap("big2", "small2"))
        XCTAssertTrue(overlap("small1", "small2"), "two one-core stages share the two cores")
    }

    func testDagFormats() throws {
        let text = try scratch.pipe("dag", "p.yaml")
        XCTAssertEqual(text.stdout, """
            prep [command]
            shout [command] <- prep
            count [command] <- prep
            report [command] <- shout, count
            lonely [command]

            """)
        let dot = try scratch.pipe("dag", "p.yaml", "--format", "dot")
        XCTAssertTrue(dot.stdout.contains("\"shout\" -> \"report\";"), dot.stdout)
        let mermaid = try scratch.pipe("dag", "p.yaml", "--format", "mermaid")
        XCTAssertTrue(mermaid.stdout.hasPrefix("graph LR\n"), mermaid.stdout)
    }

    func testGcRemovesUnreferencedResultsOnly() throws {
        _ = try scratch.pipe("run", "p.yaml")
        _ = try scratch.pipe("run", "p.yaml", "--set", "params.suffix=x")
        XCTAssertEqual(scratch.storedKeys().count, 7)
        let kept = try scratch.pipe("gc", "--keep-last", "2")
        XCTAssertTrue(kept.stdout.hasPrefix("removed 0 stored results"), kept.stdout)
        let gc = try scratch.pipe("gc")
        XCTAssertTrue(gc.stdout.hasPrefix("removed 2 stored results"), gc.stdout)
        XCTAssertEqual(Set(try scratch.pipe("run", "p.yaml", "--set", "params.suffix=x").statuses.values), ["cached"])
        try FileManager.default.removeItem(at: scratch.url("p.yaml"))
        XCTAssertTrue(try scratch.pipe("gc").stdout.hasPrefix("removed 5 stored results"))
        XCTAssertEqual(scratch.storedKeys(), [])
    }
}
