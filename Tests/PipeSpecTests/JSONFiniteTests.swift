import Foundation
import XCTest
@testable import PipeSpec

/// JSON text never holds NaN or infinity: canonical text writes null, file text refuses with the path.
final class JSONFiniteTests: XCTestCase {
    private let value: JSONValue = .object(["auc": .number(0.75), "by": .object(["x": .array([.number(1), .number(-.infinity)])]), "f1": .number(.nan)])

    func testCanonicalTextWritesNullAndStaysParseable() throws {
        XCTAssertEqual(value.canonicalText, #"{"auc":0.75,"by":{"x":[1,null]},"f1":null}"#)
        XCTAssertEqual(JSONValue.object(["n": .number(-.nan)]).canonicalText, #"{"n":null}"#)
        let parsed = try JSONValue.parse(Data(value.canonicalText.utf8))
        XCTAssertEqual(parsed["f1"], .null)
        XCTAssertEqual(parsed["auc"], .number(0.75))
    }

    func testFileTextNamesTheFirstNonFiniteNumber() throws {
        XCTAssertThrowsError(try value.fileText()) { error in
            XCTAssertEqual(error as? JSONValue.NonFiniteNumber, JSONValue.NonFiniteNumber(path: JSONPath([.key("by"), .key("x"), .index(1)]), value: -.infinity))
            XCTAssertEqual("\(error)", "by.x[1] is minus infinite, which JSON cannot hold; the file was not written")
        }
        XCTAssertEqual("\(JSONValue.NonFiniteNumber(path: .root.appending("f1"), value: .nan))", "f1 is NaN, which JSON cannot hold; the file was not written")
        XCTAssertEqual(try JSONValue.object(["a": .array([.number(1), .null])]).fileText(), #"{"a":[1,null]}"#)
    }

    func testParseRefusesDeepTextButNotBracketsInStrings() throws {
        XCTAssertThrowsError(try JSONValue.parse(Data(("[" + String(repeating: "[", count: 300) + String(repeating: "]", count: 301)).utf8))) { error in
            XCTAssertEqual("\(error)", "arrays and objects nest more than 256 levels deep at line 1, column 257")
        }
        let quoted = "[\"" + String(repeating: "[", count: 300) + "\\\"{\"]"
        XCTAssertEqual(try JSONValue.parse(Data(quoted.utf8)), .array([.string(String(repeating: "[", count: 300) + "\"{")]))
    }
}
