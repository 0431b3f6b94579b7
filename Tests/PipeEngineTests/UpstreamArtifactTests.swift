import Foundation
import XCTest
@testable import PipeEngine

/// `StageContext.input(_:)` hands a stage the one upstream output of a kind, and says clearly when there is
/// none or more than one.
final class UpstreamArtifactTests: XCTestCase {
    private let table = ArtifactKind("table", noun: "table")
    private let sortedTable = ArtifactKind("sorted-table", noun: "sorted table", refines: [ArtifactKind("table", noun: "table")])
    private let picture = ArtifactKind("picture", noun: "picture")

    private func context(_ kinds: [String: ArtifactKind]) -> StageContext {
        let folder = URL(fileURLWithPath: "/tmp/pipe-upstream")
        return StageContext(output: folder, committedOutput: folder, resumeFolder: folder, work: folder,
                            inputs: kinds.mapValues { folder.appendingPathComponent($0.name) },
                            pipeline: PipelineContext(name: "p", directory: folder, seed: 0), stage: "reader",
                            inputKinds: kinds, onProgress: { _ in })
    }

    func testTheOneProducerIsFoundByKindOrByAKindItRefines() throws {
        let found = try context(["a": sortedTable, "b": picture]).input(table)
        XCTAssertEqual(found.stage, "a")
        XCTAssertEqual(found.kind, sortedTable)
        XCTAssertEqual(found.folder.lastPathComponent, "sorted-table")
        XCTAssertEqual(try context(["a": sortedTable, "b": picture]).input(picture).stage, "b")
    }

    func testNoProducerIsAnErrorNamingTheNeeds() {
        XCTAssertThrowsError(try context(["b": picture, "c": .files]).input(table)) { error in
            XCTAssertEqual("\(error)", "stage `reader` reads a table, but none of its `needs` (b, c) produces one; add the stage that makes it to `needs`")
        }
    }

    func testTwoProducersAreAnErrorNamingBoth() {
        XCTAssertThrowsError(try context(["x": table, "y": sortedTable]).input(table)) { error in
            XCTAssertEqual("\(error)", "stage `reader` reads one table, but x and y each produce one; keep one of them in `needs`")
        }
        XCTAssertEqual(context(["y": sortedTable, "x": table]).inputs(table).map(\.stage), ["x", "y"])
    }
}
