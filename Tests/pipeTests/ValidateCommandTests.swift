import Foundation
import XCTest

/// `pipe validate` through the built binary: output format and exit status.
final class ValidateCommandTests: XCTestCase {
    private var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    private func write(_ name: String, _ text: String) throws -> String {
        let url = scratch.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    func testShippedPipelinesAreValidAndExitZero() throws {
        let result = try PipeBinary.run(["validate", "pipelines/quickstart.yaml", "pipelines/breakhis-compare.yaml"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "pipelines/quickstart.yaml: ok, 9 stages\npipelines/breakhis-compare.yaml: ok, 16 stages\n")
        XCTAssertEqual(result.stderr, "")
    }

    func testErrorsOfEveryFileArePrintedAndExitOne() throws {
        let fixtures = "Tests/Fixtures/invalid-pipelines/"
        let result = try PipeBinary.run(["validate", "pipelines/quickstart.yaml", fixtures + "cycle-three.yaml", fixtures + "unknown-top-key.yaml"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stdout, "pipelines/quickstart.yaml: ok, 9 stages\n")
        XCTAssertEqual(result.stderr, """
            \(fixtures)cycle-three.yaml:5:13: error: stages.ingest.needs[0]: dependency cycle: ingest -> report -> train -> ingest; remove one of these `needs`
            \(fixtures)unknown-top-key.yaml:1:1: error: missing required key `stages`
            \(fixtures)unknown-top-key.yaml:2:1: error: seeed: unknown key `seeed` (did you mean `seed`?)
            \(fixtures)unknown-top-key.yaml:3:1: error: stagse: unknown key `stagse` (did you mean `stages`?)

            """)
    }

    func testAStageWhoseNeedsLackWhatItReadsFailsValidationAndRun() throws {
        let fixture = "Tests/Fixtures/invalid-pipelines/artifacts/evaluate-without-split.yaml"
        let expected = "\(fixture):18:12: error: stages.eval.needs: `evaluate` reads a split manifest, which `train` does not produce; add an `augment` or `split` stage to `needs`\n"
        let validate = try PipeBinary.run(["validate", fixture])
        XCTAssertEqual(validate.status, 1)
        XCTAssertEqual(validate.stderr, expected)
        let run = try PipeBinary.run(["run", "--dry-run", "--state-dir", scratch.appendingPathComponent("state").path, fixture])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stderr, expected)
    }

    func testResourcesAreCheckedAtTheirLines() throws {
        let bad = try write("resources.yaml", """
            name: resources
            executor: slurm
            stages:
              big: { kind: command, resources: { memory: 16GB, time: "2h", cores: 0 }, with: { run: "true" } }
              odd: { kind: command, executor: cluster, with: { run: "true" } }
            """)
        let schema = try PipeBinary.run(["validate", bad])
        XCTAssertEqual(schema.status, 1)
        XCTAssertEqual(schema.stderr, """
            \(bad):4:46: error: stages.big.resources.memory: string "16GB" does not match pattern `^[1-9][0-9]*[KMGT]?$`
            \(bad):4:58: error: stages.big.resources.time: string "2h" does not match pattern `^([0-9]+-)?[0-9]+(:[0-9]{2}){0,2}$`
            \(bad):4:71: error: stages.big.resources.cores: expected a number >= 1, got 0
            \(bad):5:35: error: stages.odd.executor: expected one of `local`, `slurm`, got string "cluster"

            """)
        let ranks = try write("ranks.yaml", "name: ranks\nstages:\n  prep: { kind: command, resources: { ranks: 2 }, with: { run: \"true\" } }\n")
        let kind = try PipeBinary.run(["validate", ranks])
        XCTAssertEqual(kind.status, 1)
        XCTAssertEqual(kind.stderr, "\(ranks):3:46: error: stages.prep.resources.ranks: a `command` stage runs as one process, not 2; remove `ranks` (only fine-tune shares its work over ranks)\n")
    }

    func testUsageErrorsExitTwo() throws {
        let none = try PipeBinary.run(["validate"])
        XCTAssertEqual(none.status, 2)
        XCTAssertTrue(none.stderr.contains("name at least one FILE to check"), none.stderr)
        let unknown = try PipeBinary.run(["validate", "--bogus", "x.yaml"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("--bogus"), unknown.stderr)
    }

    func testMissingFileIsAnErrorNamingIt() throws {
        let result = try PipeBinary.run(["validate", "-q", "no/such.yaml"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "no/such.yaml: error: no such file; check the path\n")
    }

    func testSchemasAreFoundFromAnyFolderOrThroughTheEnvironment() throws {
        let pipeline = try write("p.yaml", "name: p\nstages:\n  a: { kind: command, with: { run: ls } }\n")
        let elsewhere = try PipeBinary.run(["validate", pipeline], in: scratch)
        XCTAssertEqual(elsewhere.status, 0, elsewhere.stderr)
        let missing = try PipeBinary.run(["validate", pipeline], environment: ["PIPE_SCHEMAS": scratch.path + "/none"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr == "pipe: error: PIPE_SCHEMAS is \(scratch.path)/none, which has no pipeline.schema.json; point it at the `schemas` folder of your pipe checkout, or unset it\n", missing.stderr)
    }

    func testUserSchemaChecksYAMLAndJSONDocuments() throws {
        let schema = try write("person.schema.json", """
            {"type": "object", "required": ["name"], "additionalProperties": false,
             "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}}}
            """)
        let yaml = try write("a.yaml", "name: Ada\nage: -1\nagee: 3\n")
        let json = try write("b.json", "{\n  \"age\": 36.5\n}\n")
        let good = try write("c.json", "{\"name\": \"Grace\"}")
        let result = try PipeBinary.run(["validate", "--schema", schema, yaml, json, good], in: scratch)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, """
            \(yaml):2:6: error: age: expected a number >= 0, got -1
            \(yaml):3:1: error: agee: unknown key `agee` (did you mean `age`?)
            \(json):1:1: error: missing required key `name`
            \(json):2:10: error: age: expected an integer, got number 36.5

            """)
        XCTAssertEqual(result.stdout, "\(good): ok\n")
    }

    func testInvalidUserSchemaIsRejectedClearly() throws {
        let schema = try write("bad.schema.json", #"{"type": "strng"}"#)
        let doc = try write("d.yaml", "a: 1\n")
        let result = try PipeBinary.run(["validate", "--schema", schema, doc])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.hasPrefix("pipe: error: "), result.stderr)
        XCTAssertTrue(result.stderr.contains("bad.schema.json#/type"), result.stderr)
        XCTAssertTrue(result.stderr.contains("strng"), result.stderr)
    }

    func testVersionNamesTheLinkedImageLibraries() throws {
        let result = try PipeBinary.run(["version"])
        XCTAssertEqual(result.status, 0)
        let lines = result.stdout.split(separator: "\n")
        XCTAssertEqual(lines.first, "pipe 0.1.0")
        XCTAssertNotNil(lines.first { $0.hasPrefix("build ") }.flatMap { $0.wholeMatch(of: /build [0-9a-f]{12}(-dirty)?/) },
                        "the build commit the plugin recorded: \(result.stdout)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("libpng 1.6.") }, result.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("libjpeg API ") }, result.stdout)
    }
}
