import Foundation
import XCTest
@testable import PipeEngine
@testable import PipeSpec

/// The stage key changes with every part it is made of, and with nothing else.
final class KeyPartsTests: XCTestCase {
    private let base = KeyParts(kind: "split", version: 1, params: .object(["train": .number(0.6), "group_by": .string("patient")]),
                                seed: 42, upstream: ["balance": "tree-aa"], inputs: ["/data/x": "tree-bb"])

    func testEachPartChangesTheKey() {
        var variants: [KeyParts] = []
        var p = base; p.kind = "augment"; variants.append(p)
        p = base; p.version = 2; variants.append(p)
        p = KeyParts(kind: "split", version: 1, params: .object(["train": .number(0.7), "group_by": .string("patient")]),
                     seed: 42, upstream: ["balance": "tree-aa"], inputs: ["/data/x": "tree-bb"]); variants.append(p)
        p = base; p.seed = 43; variants.append(p)
        p = base; p.upstream = ["balance": "tree-ab"]; variants.append(p)
        p = base; p.upstream = ["ingest": "tree-aa"]; variants.append(p)
        p = base; p.inputs = ["/data/x": "tree-bc"]; variants.append(p)
        p = base; p.inputs = ["/data/y": "tree-bb"]; variants.append(p)
        let keys = Set(variants.map(\.key) + [base.key])
        XCTAssertEqual(keys.count, variants.count + 1, "every variant has its own key")
        XCTAssertEqual(base.key.count, 64)
        XCTAssertEqual(base.key, KeyParts(kind: "split", version: 1, params: .object(["group_by": .string("patient"), "train": .number(0.6)]),
                                          seed: 42, upstream: ["balance": "tree-aa"], inputs: ["/data/x": "tree-bb"]).key)
    }

    func testKeyOrderCommentsAndNumberSpellingDoNotChangeTheKey() throws {
        let a = """
            name: k
            stages:
              s:
                kind: split
                with: { train: 0.6, val: 0.2, test: 0.2 }
            """
        let b = """
            # a comment
            stages:
              s:
                with:
                  test: 2.0e-1   # same value, other spelling
                  val: 0.20
                  train: 0.6
                kind: split
            name: k
            """
        let catalog = SchemaCatalog(directory: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("schemas").path)
        func key(_ text: String) throws -> String {
            let document = try XCTUnwrap(DocumentLoader.load(text: text, displayPath: "k.yaml").document)
            let spec = try XCTUnwrap(PipelineLoader(catalog: catalog).check(document).spec)
            let stage = try XCTUnwrap(spec.stage(named: "s"))
            return KeyParts(kind: stage.kind, version: 1, params: stage.with, seed: spec.seed, upstream: [:], inputs: [:]).key
        }
        XCTAssertEqual(try key(a), try key(b))
        XCTAssertNotEqual(try key(a), try key(a.replacingOccurrences(of: "train: 0.6", with: "train: 0.61")))
    }

    func testDifferencesNameTheChangedParam() {
        let changed = KeyParts(kind: "split", version: 2, params: .object(["train": .number(0.7), "group_by": .string("patient")]),
                               seed: 42, upstream: ["balance": "tree-ab"], inputs: ["/data/x": "tree-bb"])
        XCTAssertEqual(changed.differences(from: base), [
            "code version bumped: 1 -> 2",
            "param with.train changed: 0.6 -> 0.7",
            "upstream `balance` output changed",
        ])
    }
}
