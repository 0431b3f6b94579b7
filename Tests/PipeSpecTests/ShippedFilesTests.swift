import Foundation
import XCTest
@testable import PipeSpec

/// The pipelines and schemas in the repository are themselves valid.
final class ShippedFilesTests: XCTestCase {
    func testEveryShippedPipelineIsValid() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: TestPaths.pipelines).filter { $0.hasSuffix(".yaml") }
        XCTAssertTrue(files.contains("quickstart.yaml"))
        let loader = PipelineLoader(catalog: TestPaths.catalog)
        for file in files {
            let result = loader.load(path: TestPaths.pipelines + "/" + file)
            XCTAssertEqual(result.diagnostics.map(\.description), [], file)
            XCTAssertNotNil(result.spec, file)
        }
    }

    func testEverySchemaCompiles() throws {
        let catalog = TestPaths.catalog
        let kinds = try catalog.kinds()
        XCTAssertEqual(kinds.count, 10)
        XCTAssertNoThrow(try catalog.pipelineSchema())
        let stageFiles = try FileManager.default.contentsOfDirectory(atPath: TestPaths.schemas + "/stages")
        XCTAssertEqual(Set(stageFiles), Set(kinds.map { "\($0).schema.json" }), "one schema per kind, and no other")
        for kind in kinds { XCTAssertNoThrow(try catalog.stageSchema(kind: kind), kind) }
    }

    func testAnInvalidSchemaIsRejectedWithItsLocation() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("bad.schema.json").path
        try Data(#"{"properties": {"seed": {"type": "int"}}}"#.utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try SchemaCatalog(directory: dir.path).schema(at: path)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("bad.schema.json"), text)
            XCTAssertTrue(text.contains("/properties/seed/type"), text)
        }
    }

    func testExpandedCompareOrdersStagesAfterTheirNeeds() throws {
        let result = PipelineLoader(catalog: TestPaths.catalog).load(path: TestPaths.pipelines + "/breakhis-compare.yaml")
        let spec = try XCTUnwrap(result.spec)
        let names = spec.stages.map(\.name)
        for stage in spec.stages {
            for need in stage.needs {
                let before = try XCTUnwrap(names.firstIndex(of: need), need)
                XCTAssertLessThan(before, names.firstIndex(of: stage.name)!, "\(need) before \(stage.name)")
            }
        }
        XCTAssertEqual(spec.stage(named: "evaluate@vgg19")?.needs, ["train@vgg19", "split"])
        XCTAssertEqual(spec.stage(named: "report")?.needs,
                       ["evaluate@densenet201", "evaluate@vgg19", "evaluate@resnet50", "evaluate@inceptionv3"])
        XCTAssertEqual(spec.stage(named: "train@resnet50")?.with["optimizer"]?["lr"], .number(0.00001))
    }
}
