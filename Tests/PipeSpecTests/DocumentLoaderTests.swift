import XCTest
@testable import PipeSpec

final class DocumentLoaderTests: XCTestCase {
    private func load(_ text: String) throws -> SourceDocument {
        let result = DocumentLoader.load(text: text, displayPath: "t.yaml")
        XCTAssertEqual(result.diagnostics, [])
        return try XCTUnwrap(result.document)
    }

    func testPlainScalarsFollowYAML12CoreSchema() throws {
        let doc = try load("""
            a: yes
            b: no
            c: true
            d: 0.6
            e: 1e-5
            f: "0.6"
            g: 0x1F
            h: ~
            i: 007
            j: .5
            k: 1.
            l: 1_000
            m: .inf
            n: -3
            o: 0o17
            """)
        XCTAssertEqual(doc.value, .object([
            "a": .string("yes"), "b": .string("no"), "c": .bool(true), "d": .number(0.6), "e": .number(1e-5),
            "f": .string("0.6"), "g": .number(31), "h": .null, "i": .number(7), "j": .number(0.5), "k": .number(1),
            "l": .string("1_000"), "m": .string(".inf"), "n": .number(-3), "o": .number(15),
        ]))
    }

    func testLocationsOfKeysAndValues() throws {
        let doc = try load("""
            name: x
            stages:
              split:
                with: { train: 0.6 }
                needs:
                  - a
                  - b
            """)
        let train = JSONPath([.key("stages"), .key("split"), .key("with"), .key("train")])
        XCTAssertEqual(doc.location(of: train), SourceLocation(line: 4, column: 20))
        XCTAssertEqual(doc.location(of: train, atKey: true), SourceLocation(line: 4, column: 13))
        let secondNeed = JSONPath([.key("stages"), .key("split"), .key("needs"), .index(1)])
        XCTAssertEqual(doc.location(of: secondNeed), SourceLocation(line: 7, column: 9))
        let missing = JSONPath([.key("stages"), .key("split"), .key("with"), .key("val")])
        XCTAssertEqual(doc.location(of: missing), SourceLocation(line: 4, column: 11), "falls back to the enclosing mapping")
    }

    func testAnchorsAliasesAndMergeKeys() throws {
        let doc = try load("""
            base: &base { lr: 0.1, epochs: 3 }
            run:
              <<: *base
              epochs: 5
            copy: *base
            """)
        XCTAssertEqual(doc.value["run"], .object(["lr": .number(0.1), "epochs": .number(5)]))
        XCTAssertEqual(doc.value["copy"], .object(["lr": .number(0.1), "epochs": .number(3)]))
    }

    func testColumnsCountCharactersNotBytes() throws {
        let doc = try load("title: \"héllo wörld\"\nx: 1\nnote: ünï: 2\n".replacingOccurrences(of: "note: ünï: 2\n", with: "é: 3\n"))
        XCTAssertEqual(doc.location(of: JSONPath([.key("é")]), atKey: true), SourceLocation(line: 3, column: 1))
        XCTAssertEqual(doc.location(of: JSONPath([.key("é")])), SourceLocation(line: 3, column: 4))
    }

    func testEveryDuplicateKeyIsReportedWithBothLines() {
        let result = DocumentLoader.load(text: "a: 1\nb: 2\na: 3\nb: 4\n", displayPath: "d.yaml")
        XCTAssertEqual(result.diagnostics.map(\.description), [
            "d.yaml:3:1: error: a: duplicate key `a`; it is first defined at line 1; remove one of them",
            "d.yaml:4:1: error: b: duplicate key `b`; it is first defined at line 2; remove one of them",
        ])
        XCTAssertEqual(result.document?.value, .object(["a": .number(1), "b": .number(2)]), "the first definition is kept")
    }

    func testMissingFileAndFolderAreNamed() {
        XCTAssertEqual(DocumentLoader.load(path: "/nonexistent/p.yaml").diagnostics.map(\.description),
                       ["/nonexistent/p.yaml: error: no such file; check the path"])
        XCTAssertEqual(DocumentLoader.load(path: "/tmp").diagnostics.map(\.description),
                       ["/tmp: error: is a folder, not a YAML file"])
    }
}
