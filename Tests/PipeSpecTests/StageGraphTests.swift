import XCTest
@testable import PipeSpec

/// Matrix expansion, `needs` resolution and ordering.
final class StageGraphTests: XCTestCase {
    func testMatrixExpandsInAxisOrderWithFirstAxisSlowest() throws {
        let result = TestPaths.check("""
            name: m
            stages:
              cmd:
                kind: command
                matrix:
                  b: [x, y]
                  a: [1, 2.5]
                with: { run: "echo ${matrix.b} ${matrix.a}", cores: "${matrix.a}" }
            """)
        // cores must be an integer, so 2.5 fails only in its own expansions.
        XCTAssertEqual(result.diagnostics.map(\.description),
                       ["test.yaml:8:57: error: stages.cmd.with.cores: expected an integer, got number 2.5 (with matrix b=\"x\", a=2.5)",
                        "test.yaml:8:57: error: stages.cmd.with.cores: expected an integer, got number 2.5 (with matrix b=\"y\", a=2.5)"])
        let ok = TestPaths.check("""
            name: m
            stages:
              cmd:
                kind: command
                matrix:
                  b: [x, y]
                  a: [1, 2]
                with: { run: "echo ${matrix.b} ${matrix.a}" }
            """)
        let spec = try XCTUnwrap(ok.spec)
        XCTAssertEqual(spec.stages.map(\.name), ["cmd@x-1", "cmd@x-2", "cmd@y-1", "cmd@y-2"])
        XCTAssertEqual(spec.stages[1].with["run"], .string("echo x 2"))
        XCTAssertEqual(spec.stages[1].matrixValues, ["b": .string("x"), "a": .number(2)])
    }

    func testNeedsNarrowOnSharedAxesAndFanInOtherwise() throws {
        let result = TestPaths.check("""
            name: fan
            stages:
              report: { kind: command, needs: [eval], with: { run: "true" } }
              eval:
                kind: command
                needs: [train, data]
                matrix: { arch: [a, b] }
                with: { run: "true" }
              train:
                kind: command
                matrix: { arch: [a, b], lr: [1, 2] }
                with: { run: "true" }
              data: { kind: command, with: { run: "true" } }
              pick: { kind: command, needs: ["train@b-2"], with: { run: "true" } }
            """)
        let spec = try XCTUnwrap(result.spec, "\(result.diagnostics)")
        XCTAssertEqual(spec.stage(named: "eval@a")?.needs, ["train@a-1", "train@a-2", "data"])
        XCTAssertEqual(spec.stage(named: "report")?.needs, ["eval@a", "eval@b"])
        XCTAssertEqual(spec.stage(named: "pick")?.needs, ["train@b-2"])
        XCTAssertEqual(spec.stages.map(\.name),
                       ["train@a-1", "train@a-2", "data", "eval@a", "train@b-1", "train@b-2", "eval@b", "report", "pick"])
    }

    func testEveryCycleIsNamedOnce() {
        let order = StageOrder.sort(["a", "b", "c", "d", "e"],
                                    needs: ["a": ["b"], "b": ["a"], "c": ["d"], "d": ["e"], "e": ["c"]])
        XCTAssertEqual(order.cycles.map(\.description), ["a -> b -> a", "c -> d -> e -> c"])
        let fine = StageOrder.sort(["z", "y", "x"], needs: ["z": ["x"], "y": [], "x": []])
        XCTAssertEqual(fine.order, ["x", "z", "y"])
        XCTAssertEqual(fine.cycles, [])
    }

    func testOverridesAreAppliedAndValidatedLikeTheFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-override-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("p.yaml").path
        try Data("""
            name: o
            params: { lr: 0.1 }
            stages:
              split: { kind: split, with: { train: 0.6, val: 0.2, test: 0.2 } }
            """.utf8).write(to: URL(fileURLWithPath: path))
        let loader = PipelineLoader(catalog: TestPaths.catalog)
        let good = [Override.parse("stages.split.with.train=0.7").0!, Override.parse("params.lr=[1, 2]").0!]
        let spec = try XCTUnwrap(loader.load(path: path, overrides: good).spec)
        XCTAssertEqual(spec.stage(named: "split")?.with["train"], .number(0.7))
        XCTAssertEqual(spec.params["lr"], .array([.number(1), .number(2)]))
        let bad = loader.load(path: path, displayPath: "p.yaml", overrides: [Override.parse("stages.split.with.train='0.7'").0!])
        XCTAssertEqual(bad.diagnostics.map(\.description),
                       ["p.yaml:4:40: error: stages.split.with.train: expected a number, got string \"0.7\" (set by --set stages.split.with.train='0.7')"])
        XCTAssertEqual(Override.parse("lr").1, "`--set lr` needs the form PATH=VALUE, e.g. --set params.lr=0.001")
        XCTAssertEqual(loader.load(path: path, displayPath: "p.yaml", overrides: [Override.parse("name.x=1").0!]).diagnostics.first?.description,
                       "p.yaml: error: `--set name.x=1`: cannot go into `x` of string \"o\"")
    }
}
