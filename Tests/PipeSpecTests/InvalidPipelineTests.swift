import Foundation
import XCTest
@testable import PipeSpec

/// Every broken file in Tests/Fixtures/invalid-pipelines gives exactly the diagnostics in its `.expected` file.
final class InvalidPipelineTests: XCTestCase {
    func testEachBrokenFileGivesItsExpectedDiagnostics() throws {
        let folder = TestPaths.invalidPipelines
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 25, "the acceptance list asks for at least 25 broken files")
        let loader = PipelineLoader(catalog: TestPaths.catalog)
        for file in files {
            let expectedPath = folder + "/" + file.dropLast(5) + ".expected"
            guard let expected = try? String(contentsOfFile: expectedPath, encoding: .utf8) else {
                XCTFail("\(file) has no \(expectedPath)")
                continue
            }
            let result = loader.load(path: folder + "/" + file, displayPath: file)
            let actual = result.diagnostics.map(\.description)
            let wanted = expected.split(separator: "\n").map(String.init)
            XCTAssertEqual(actual, wanted, "diagnostics of \(file)")
            XCTAssertNil(result.spec, "\(file) must not load")
            XCTAssertFalse(wanted.isEmpty, "\(file).expected lists no diagnostic")
        }
    }
}
