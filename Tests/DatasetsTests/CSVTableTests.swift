import Foundation
import XCTest
@testable import Datasets

final class CSVTableTests: XCTestCase {
    func testRFC4180() throws {
        let text = "\u{FEFF}a, b ,\"c,\"\"q\"\"\"\r\n1,\"two\nlines\",3\r\n\r\n \" x \" ,,\"\"\n4,5"
        let table = try CSVTable(text: text, file: "t.csv")
        XCTAssertEqual(table.header, ["a", "b", "c,\"q\""])
        XCTAssertEqual(table.rows, [["1", "two\nlines", "3"], ["x", "", ""], ["4", "5"]])
        XCTAssertEqual(table.value(table.rows[2], "c"), "")
        XCTAssertEqual(table.value(table.rows[0], "B"), "two\nlines")
    }

    func testHeaderMatchingIgnoresSpacesAndUnderscores() throws {
        let mass = try CSVTable(text: "patient_id,breast_density\nP_1,3\n", file: "m.csv")
        let calc = try CSVTable(text: "patient_id,breast density\nP_2,2\n", file: "c.csv")
        XCTAssertEqual(mass.value(mass.rows[0], "breast_density"), "3")
        XCTAssertEqual(calc.value(calc.rows[0], "breast_density"), "2")
        XCTAssertNil(calc.column("density"))
    }

    func testUnterminatedQuoteNamesTheLine() {
        XCTAssertThrowsError(try CSVTable(text: "a,b\n1,2\n3,\"oops\n", file: "bad.csv")) { error in
            XCTAssertEqual(error as? DatasetError, .malformedCSV(file: "bad.csv", line: 3, detail: "a quoted field is never closed"))
        }
    }

    func testLineQuotesOnlyWhenNeeded() throws {
        let line = CSVTable.line(["plain", "a,b", "say \"hi\"", "two\nlines"])
        XCTAssertEqual(line, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"")
        XCTAssertEqual(try CSVTable(text: "h1,h2,h3,h4\n" + line, file: "x").rows[0], ["plain", "a,b", "say \"hi\"", "two\nlines"])
    }
}
