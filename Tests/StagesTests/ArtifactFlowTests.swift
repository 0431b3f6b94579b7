import Foundation
import PipeEngine
import PipeSpec
import Stages
import XCTest

/// `pipe validate`'s artifact check: each broken file in Tests/Fixtures/invalid-pipelines/artifacts gives
/// exactly the diagnostics in its `.expected` file, and the shipped pipelines pass it.
final class ArtifactFlowTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let catalog = SchemaCatalog(directory: root.appendingPathComponent("schemas").path)

    func testEachMismatchGivesItsExpectedDiagnostics() throws {
        let folder = Self.root.appendingPathComponent("Tests/Fixtures/invalid-pipelines/artifacts").path
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 6)
        for file in files {
            let expected = try String(contentsOfFile: folder + "/" + file.dropLast(5) + ".expected", encoding: .utf8)
            let plain = PipelineLoader(catalog: Self.catalog).load(path: folder + "/" + file, displayPath: file)
            XCTAssertEqual(plain.diagnostics.map(\.description), [], "\(file) must be wrong only in what its stages exchange")
            let result = PipelineCheck.load(path: folder + "/" + file, displayPath: file, catalog: Self.catalog)
            XCTAssertEqual(result.diagnostics.map(\.description), expected.split(separator: "\n").map(String.init), "diagnostics of \(file)")
            XCTAssertNil(result.spec, "\(file) must not load")
        }
    }

    func testShippedPipelinesPassTheArtifactCheck() throws {
        let folder = Self.root.appendingPathComponent("pipelines").path
        for file in try FileManager.default.contentsOfDirectory(atPath: folder).filter({ $0.hasSuffix(".yaml") }) {
            let result = PipelineCheck.load(path: folder + "/" + file, catalog: Self.catalog)
            XCTAssertEqual(result.diagnostics.map(\.description), [], file)
            XCTAssertNotNil(result.spec, file)
        }
    }

    /// Every kind the engine runs has a schema, and every schema a kind: the one registration is enough.
    func testEveryRegisteredKindHasASchemaAndNoOther() throws {
        XCTAssertEqual(Set(StageCatalog.kinds.keys), Set(try Self.catalog.kinds()))
    }

    func testRefinedKindsStandInForTheirBroaderKind() {
        XCTAssertTrue(ArtifactKind.splitManifest.provides(.datasetManifest))
        XCTAssertFalse(ArtifactKind.datasetManifest.provides(.splitManifest))
        XCTAssertTrue(ArtifactKind.trainedClassifier.provides(.modelCheckpoint))
        XCTAssertTrue(ArtifactKind.datasetFolder.provides(.files))
        XCTAssertFalse(ArtifactKind.evaluation.provides(.files))
    }

    func testThePositiveClassRuleLivesInOnePlace() {
        XCTAssertEqual(ClassList(labels: ["malignant", "benign", "malignant"]).names, ["benign", "malignant"])
        XCTAssertEqual(ClassList(names: ["malignant", "benign"]).binaryPositive, 0)
        XCTAssertEqual(ClassList(names: ["cat", "dog"]).binaryPositive, 1)
        XCTAssertNil(ClassList(names: ["a", "b", "c"]).binaryPositive)
        XCTAssertEqual(ClassList(names: ["a", "b", "c"]).positive, 2)
    }
}
