import Foundation
import XCTest

/// `pipe validate` refuses too deep or alias-bombed files with a located error and exit status 1, not a crash.
final class InputLimitsCommandTests: XCTestCase {
    func testDeepAndExplodingFilesExitOneWithTheirPlace() throws {
        let scratch = try Scratch()
        try scratch.write("flow.yaml", "name: x\nstages: " + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + "\n")
        try scratch.write("block.yaml", "name: x\nstages:\n  a:\n    " + String(repeating: "- ", count: 5000) + "x\n")
        var lines = ["name: x", "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for (previous, name) in zip("abcdefgh", "bcdefghi") {
            lines.append("\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]")
        }
        try scratch.write("laughs.yaml", lines.joined(separator: "\n") + "\n")
        let deep = "flow.yaml:2:264: error: lists and mappings nest more than 256 levels deep here; flatten the file\n"
        let expected = [
            "flow.yaml": deep,
            "block.yaml": "block.yaml:4:513: error: lists and mappings nest more than 256 levels deep here; flatten the file\n",
            "laughs.yaml": "laughs.yaml:8:8: error: aliases expand the file to more than 1000000 values (`*f` here); a pipeline needs far fewer, so remove the nested aliases\n",
        ]
        for (file, message) in expected {
            let result = try scratch.pipe("validate", file)
            XCTAssertEqual(result.status, 1, "\(file): \(result.stderr)")
            XCTAssertEqual(result.stderr, message)
        }
    }

    func testDeepJSONDocumentsAndSchemasExitOne() throws {
        let scratch = try Scratch()
        try scratch.write("list.json", #"{"type": "array"}"#)
        try scratch.write("deep.json", String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000))
        let document = try scratch.pipe("validate", "--schema", "list.json", "deep.json")
        XCTAssertEqual(document.status, 1, document.stderr)
        XCTAssertEqual(document.stderr, "deep.json:1:257: error: lists and mappings nest more than 256 levels deep here; flatten the file\n")

        try scratch.write("schema.json", String(repeating: #"{"items":"#, count: 5000) + "{}" + String(repeating: "}", count: 5000))
        try scratch.write("ok.json", "[1]")
        let schema = try scratch.pipe("validate", "--schema", "schema.json", "ok.json")
        XCTAssertEqual(schema.status, 1, schema.stderr)
        XCTAssertEqual(schema.stderr, "pipe: error: schema.json: the schema file cannot be used: its arrays and objects nest more than 256 levels deep at line 1, column 2305\n")
    }
}
