import Foundation
import XCTest
@testable import PipeSpec

/// Deep nesting, huge files and alias bombs are refused with a located error instead of a crash.
final class InputLimitsTests: XCTestCase {
    private func diagnostics(_ text: String, limits: InputLimits = .standard) -> [String] {
        let result = DocumentLoader.load(text: text, displayPath: "t.yaml", limits: limits)
        XCTAssertNil(result.document)
        return result.diagnostics.map(\.description)
    }

    func testFiveThousandLevelsOfFlowNestingAreRefusedAtLevel257() {
        let text = "name: x\nstages: " + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + "\n"
        // The root mapping is level 1, so the 256th `[` (column 8 + 256) opens level 257.
        XCTAssertEqual(diagnostics(text), ["t.yaml:2:264: error: lists and mappings nest more than 256 levels deep here; flatten the file"])
    }

    func testFiveThousandLevelsOfBlockNestingAreRefused() {
        let compact = "name: x\nstages:\n  a:\n    " + String(repeating: "- ", count: 5000) + "x\n"
        // Levels: root, stages, then a's sequences; the 255th `-` (column 5 + 2 * 254) opens level 257.
        XCTAssertEqual(diagnostics(compact), ["t.yaml:4:513: error: lists and mappings nest more than 256 levels deep here; flatten the file"])
        let indented = (0..<400).map { String(repeating: "  ", count: $0) + "- a:" }.joined(separator: "\n") + " x\n"
        // Each line opens a sequence and a mapping; line 129's mapping is level 258, its sequence 257.
        XCTAssertEqual(diagnostics(indented), ["t.yaml:129:257: error: lists and mappings nest more than 256 levels deep here; flatten the file"])
    }

    func testDeepJSONIsRefusedToo() {
        let text = String(repeating: "{\"a\":", count: 5000) + "1" + String(repeating: "}", count: 5000)
        XCTAssertEqual(diagnostics(text), ["t.yaml:1:1281: error: lists and mappings nest more than 256 levels deep here; flatten the file"])
    }

    func testBillionLaughsIsRefusedWhileCounting() {
        var lines = ["name: x", "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for (previous, name) in zip("abcdefgh", "bcdefghi") {
            lines.append("\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]")
        }
        let started = Date()
        // Up to `f` the file expands to 672,612 values and each `*f` adds 597,871, so g's first `*f` passes 1,000,000.
        XCTAssertEqual(diagnostics(lines.joined(separator: "\n")),
                       ["t.yaml:8:8: error: aliases expand the file to more than 1000000 values (`*f` here); a pipeline needs far fewer, so remove the nested aliases"])
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }

    func testAliasesCountWhatTheyExpandTo() {
        let text = "a: &a [1, 2, 3]\nb: [*a, *a]\n"
        XCTAssertEqual(diagnostics(text, limits: InputLimits(maxNodes: 15)),
                       ["t.yaml:2:9: error: aliases expand the file to more than 15 values (`*a` here); a pipeline needs far fewer, so remove the nested aliases"])
        let loaded = DocumentLoader.load(text: text, displayPath: "t.yaml", limits: InputLimits(maxNodes: 16))
        XCTAssertEqual(loaded.diagnostics, [])
        XCTAssertEqual(loaded.document?.value["b"], .array([.array([1, 2, 3].map(JSONValue.number)), .array([1, 2, 3].map(JSONValue.number))]))
    }

    func testAnAliasOfADeepNodeCountsItsDepth() {
        let text = "a: &a [[[1]]]\nb: [[*a]]\n"
        XCTAssertEqual(diagnostics(text, limits: InputLimits(maxDepth: 5)),
                       ["t.yaml:2:6: error: alias `*a` nests lists and mappings more than 5 levels deep; flatten the file"])
        XCTAssertEqual(DocumentLoader.load(text: text, displayPath: "t.yaml", limits: InputLimits(maxDepth: 6)).diagnostics, [])
    }

    func testLargeFilesAreRefusedBeforeParsing() throws {
        let text = "name: x\n" + String(repeating: "# padding\n", count: 20)
        XCTAssertEqual(diagnostics(text, limits: InputLimits(maxBytes: 100)),
                       ["t.yaml: error: the file is 208 bytes, more than the 100 a pipeline or document may have; is it the right file?"])
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("limits-\(UUID().uuidString).yaml")
        try Data(text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        XCTAssertEqual(DocumentLoader.load(path: file.path, displayPath: "f.yaml", limits: InputLimits(maxBytes: 100)).diagnostics.map(\.description),
                       ["f.yaml: error: the file is 208 bytes, more than the 100 a pipeline or document may have; is it the right file?"])
        XCTAssertEqual(InputLimits.standard.maxBytes, 16 << 20)
    }

    func testIntegersTooLargeForADoubleStayStrings() throws {
        let digits = "1" + String(repeating: "0", count: 400)
        let result = DocumentLoader.load(text: "a: \(digits)\nb: 1\(String(repeating: "0", count: 300))\n", displayPath: "t.yaml")
        XCTAssertEqual(result.document?.value["a"], .string(digits))
        XCTAssertEqual(result.document?.value["b"], .number(1e300))
    }

    func testDeepSchemaFilesAreRefusedWithTheirPlace() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("deep-\(UUID().uuidString).json")
        try Data((String(repeating: "{\"items\":", count: 5000) + "{}" + String(repeating: "}", count: 5000)).utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        XCTAssertThrowsError(try SchemaRegistry().load(file: file.path)) { error in
            XCTAssertEqual("\(error)", "\(file.path): the schema file cannot be used: its arrays and objects nest more than 256 levels deep at line 1, column 2305")
        }
    }
}
