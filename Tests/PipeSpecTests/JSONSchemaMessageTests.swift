import Foundation
import PipeSpec
import XCTest

/// Exact messages, paths and schema errors of the JSON Schema validator, as `pipe validate` prints them.
final class JSONSchemaMessageTests: XCTestCase {
    private let base = "file:///x/a.schema.json"

    private func json(_ text: String) -> JSONValue {
        do {
            return try JSONValue.parse(Data(text.utf8))
        } catch {
            XCTFail("bad JSON in test: \(text)")
            return .null
        }
    }

    private func violations(_ schema: String, _ instance: String) throws -> [SchemaViolation] {
        let compiled = try SchemaRegistry().load(json(schema), baseURI: base)
        let found = compiled.validate(json(instance))
        XCTAssertEqual(compiled.isValid(json(instance)), found.isEmpty, "isValid disagrees with validate for \(instance)")
        return found
    }

    /// The violations as `path|message`, with ` (key)` when they point at the key.
    private func lines(_ schema: String, _ instance: String) throws -> [String] {
        try violations(schema, instance).map { "\($0.path)\($0.atKey ? " (key)" : "")|\($0.message)" }
    }

    private func schemaError(_ schema: String) -> String {
        do {
            _ = try SchemaRegistry().load(json(schema), baseURI: base)
            return "(loaded)"
        } catch {
            return "\(error)"
        }
    }

    // MARK: Assertions on values

    func testTypeMessagesUseArticlesAndDescribeTheValue() throws {
        let schema = #"{"properties": {"lr": {"type": "number"}, "n": {"type": ["string", "null"]}, "i": {"type": "integer"}}}"#
        let found = try violations(schema, #"{"lr": "0.6", "n": 3, "i": 1.5}"#)
        XCTAssertEqual(found, [
            SchemaViolation(path: JSONPath([.key("i")]), keyword: "type", message: "expected an integer, got number 1.5"),
            SchemaViolation(path: JSONPath([.key("lr")]), keyword: "type", message: #"expected a number, got string "0.6""#),
            SchemaViolation(path: JSONPath([.key("n")]), keyword: "type", message: "expected a string or null, got number 3"),
        ])
        XCTAssertEqual(try lines(#"{"type": "object"}"#, "[1]"), ["(document)|expected an object, got an array"])
        XCTAssertEqual(try lines(#"{"type": "integer"}"#, "1.0"), [], "1.0 is an integer")
    }

    func testEnumAndConstSuggestTheClosestValue() throws {
        XCTAssertEqual(try violations(#"{"enum": ["adam", "sgd", "adamw"]}"#, #""adan""#), [
            SchemaViolation(path: .root, keyword: "enum",
                            message: #"expected one of `adam`, `sgd`, `adamw`, got string "adan" (did you mean `adam`?)"#),
        ])
        XCTAssertEqual(try lines(#"{"enum": ["adam", "sgd"]}"#, "3"), ["(document)|expected one of `adam`, `sgd`, got number 3"])
        XCTAssertEqual(try lines(#"{"const": "x"}"#, #""y""#), [#"(document)|expected `x`, got string "y""#])
        XCTAssertEqual(try lines(#"{"const": 1}"#, "1.0"), [])
    }

    func testNumericLimits() throws {
        let schema = #"{"minimum": 0, "exclusiveMaximum": 1, "multipleOf": 0.25}"#
        XCTAssertEqual(try lines(schema, "-1"), ["(document)|expected a number >= 0, got -1"])
        XCTAssertEqual(try lines(schema, "1.5"), ["(document)|expected a number < 1, got 1.5"])
        XCTAssertEqual(try lines(#"{"exclusiveMinimum": 0, "maximum": 10}"#, "0"), ["(document)|expected a number > 0, got 0"])
        XCTAssertEqual(try lines(#"{"maximum": 10}"#, "11"), ["(document)|expected a number <= 10, got 11"])
        XCTAssertEqual(try lines(#"{"multipleOf": 8}"#, "12"), ["(document)|expected a multiple of 8, got 12"])
        XCTAssertEqual(try lines(#"{"multipleOf": 0.01}"#, "0.07"), [])
    }

    func testStringChecks() throws {
        let schema = #"{"pattern": "^[a-z0-9-]+$", "minLength": 3, "maxLength": 5}"#
        XCTAssertEqual(try lines(schema, #""Foo Bar""#), [
            #"(document)|string "Foo Bar" is too long: expected at most 5 characters, got 7"#,
            #"(document)|string "Foo Bar" does not match pattern `^[a-z0-9-]+$`"#,
        ])
        XCTAssertEqual(try lines(schema, #""ab""#), [#"(document)|string "ab" is too short: expected at least 3 characters, got 2"#])
        XCTAssertEqual(try lines(#"{"minLength": 1}"#, #""""#), ["(document)|expected a non-empty string"])
        XCTAssertEqual(try lines(#"{"maxLength": 2}"#, #""💩💩""#), [], "lengths count code points")
        XCTAssertEqual(try lines(#"{"pattern": "b"}"#, #""abc""#), [], "patterns are not anchored")
    }

    func testArrayAndObjectCounts() throws {
        XCTAssertEqual(try lines(#"{"uniqueItems": true, "minItems": 5, "contains": {"type": "string"}}"#, "[1, 2, 1.0]"), [
            "(document)|expected at least 5 items, got 3",
            "[2]|duplicate of item [0]; expected unique items",
            "(document)|expected at least one item matching the `contains` schema",
        ])
        XCTAssertEqual(try lines(#"{"items": {"type": "integer"}, "maxItems": 1}"#, "[1, 2.5]"), [
            "(document)|expected at most 1 item, got 2",
            "[1]|expected an integer, got number 2.5",
        ])
        XCTAssertEqual(try lines(#"{"contains": {"type": "string"}, "minContains": 2, "maxContains": 2}"#, #"["a", 1]"#),
                       ["(document)|expected at least 2 items matching the `contains` schema, got 1"])
        XCTAssertEqual(try lines(#"{"minProperties": 2, "maxProperties": 0, "dependentRequired": {"a": ["b"]}}"#, #"{"a": 1}"#), [
            "(document)|expected at least 2 keys, got 1",
            "(document)|expected at most 0 keys, got 1",
            "(document)|missing key `b`, required when `a` is present",
        ])
    }

    // MARK: Keys

    func testRequiredReportsEachMissingKeyAtTheObject() throws {
        let found = try violations(#"{"properties": {"run": {"required": ["train", "data"]}}}"#, #"{"run": {}}"#)
        XCTAssertEqual(found, [
            SchemaViolation(path: JSONPath([.key("run")]), keyword: "required", message: "missing required key `train`"),
            SchemaViolation(path: JSONPath([.key("run")]), keyword: "required", message: "missing required key `data`"),
        ])
    }

    func testUnknownKeySuggestsTheClosestPropertyAndPointsAtTheKey() throws {
        let schema = #"{"properties": {"stages": {"properties": {"train": {}, "seed": {}}, "additionalProperties": false}}}"#
        XCTAssertEqual(try violations(schema, #"{"stages": {"tran": 1, "seed": 2}}"#), [
            SchemaViolation(path: JSONPath([.key("stages"), .key("tran")]), atKey: true, keyword: "additionalProperties",
                            message: "unknown key `tran` (did you mean `train`?)"),
        ])
        XCTAssertEqual(try lines(schema, #"{"stages": {"foo": 1, "Seed": 2}}"#), [
            "stages.Seed (key)|unknown key `Seed` (did you mean `seed`?)",
            "stages.foo (key)|unknown key `foo`; allowed keys: `seed`, `train`",
        ])
        XCTAssertEqual(try lines(#"{"properties": {"x": false}}"#, #"{"x": 1}"#), ["x (key)|key `x` is not allowed here"])
    }

    func testUnevaluatedPropertiesSuggestsFromTheSubschemasThatEvaluated() throws {
        let schema = #"""
        {"allOf": [{"$ref": "#/$defs/base"}], "properties": {"seed": {}}, "unevaluatedProperties": false,
         "$defs": {"base": {"properties": {"train": {"type": "string"}}}}}
        """#
        XCTAssertEqual(try violations(schema, #"{"trian": 1, "seed": 2, "zzz": 3}"#), [
            SchemaViolation(path: JSONPath([.key("trian")]), atKey: true, keyword: "unevaluatedProperties",
                            message: "unknown key `trian` (did you mean `train`?)"),
            SchemaViolation(path: JSONPath([.key("zzz")]), atKey: true, keyword: "unevaluatedProperties",
                            message: "unknown key `zzz`; allowed keys: `seed`, `train`"),
        ])
        // A wrong value under a known key is one error, not also an "unknown key".
        XCTAssertEqual(try lines(schema, #"{"train": 1}"#), ["train|expected a string, got number 1"])
    }

    func testPropertyNamesPointAtTheKey() throws {
        XCTAssertEqual(try violations(#"{"propertyNames": {"pattern": "^[a-z]+$"}}"#, #"{"Foo": 1, "ok": 2}"#), [
            SchemaViolation(path: JSONPath([.key("Foo")]), atKey: true, keyword: "pattern",
                            message: #"invalid key `Foo`: string "Foo" does not match pattern `^[a-z]+$`"#),
        ])
    }

    func testViolationsComeInAStableOrderWithNestedPaths() throws {
        let schema = #"""
        {"properties": {"stages": {"additionalProperties": {"properties": {"with": {"properties": {"ops": {"items": {
          "additionalProperties": false, "properties": {"op": {"type": "string"}}}}}}}}}}}
        """#
        let instance = #"{"stages": {"split": {"with": {"ops": [{}, {}, {"op": "flip", "zeta": 1, "alpha": 2, "mid": 3}]}}}}"#
        let expected = ["alpha", "mid", "zeta"].map { "stages.split.with.ops[2].\($0) (key)|unknown key `\($0)`; allowed keys: `op`" }
        for _ in 0..<5 { XCTAssertEqual(try lines(schema, instance), expected) }
    }

    // MARK: Applicators

    func testAnyOfReportsTheBranchThatFitsTheValue() throws {
        let schema = #"{"anyOf": [{"type": "string"}, {"type": "object", "properties": {"lr": {"type": "number"}}, "required": ["lr"]}]}"#
        XCTAssertEqual(try violations(schema, #"{"lr": "x"}"#), [
            SchemaViolation(path: JSONPath([.key("lr")]), keyword: "type", message: #"expected a number, got string "x""#),
        ])
        XCTAssertEqual(try lines(schema, "3"), ["(document)|expected a string or an object, got number 3"])
        XCTAssertEqual(try lines(#"{"anyOf": [{"const": "auto"}, {"type": "integer"}]}"#, "3.5"),
                       ["(document)|expected `auto` or an integer, got number 3.5"])
        XCTAssertEqual(try lines(#"{"anyOf": [{"const": "auto"}, {"type": "integer"}]}"#, #""x""#),
                       [#"(document)|expected `auto`, got string "x""#])
    }

    func testOneOfTaggedUnionNamesTheTag() throws {
        let schema = #"""
        {"oneOf": [
          {"properties": {"kind": {"const": "resize"}, "size": {"type": "integer"}}, "required": ["kind", "size"]},
          {"properties": {"kind": {"const": "crop"}}, "required": ["kind"]}]}
        """#
        XCTAssertEqual(try lines(schema, #"{"kind": "resiz"}"#),
                       [#"kind|expected one of `resize`, `crop`, got string "resiz" (did you mean `resize`?)"#])
        XCTAssertEqual(try lines(schema, #"{"kind": "resize", "size": "big"}"#), [#"size|expected an integer, got string "big""#])
        XCTAssertEqual(try lines(#"{"oneOf": [{"type": "integer"}, {"minimum": 0}, {"maximum": 5}]}"#, "3"),
                       ["(document)|matches more than one alternative (branches 0, 1 and 2); it must match exactly one"])
    }

    func testAnyOfSummarizesWhenNoBranchStandsOut() throws {
        XCTAssertEqual(try violations(#"{"anyOf": [{"required": ["a"]}, {"required": ["b"]}]}"#, "{}"), [
            SchemaViolation(path: .root, keyword: "anyOf", message:
                "expected a value matching one of 2 alternatives: missing required key `a`; missing required key `b`"),
        ])
    }

    func testNotAndIfThenElse() throws {
        XCTAssertEqual(try lines(##"{"$defs": {"x": {"required": ["x"]}}, "not": {"$ref": "#/$defs/x"}}"##, #"{"x": 1}"#),
                       ["(document)|must not match the schema at #/not"])
        let conditional = #"{"if": {"properties": {"a": {"const": 1}}}, "then": {"required": ["b"]}, "else": {"required": ["c"]}}"#
        XCTAssertEqual(try lines(conditional, #"{"a": 1}"#), ["(document)|missing required key `b`"])
        XCTAssertEqual(try lines(conditional, #"{"a": 2}"#), ["(document)|missing required key `c`"])
        XCTAssertEqual(try lines("false", "1"), ["(document)|no value is allowed here"])
    }

    // MARK: Numbers

    func testBigNumbersNeitherCrashNorPassByOverflow() throws {
        let twoTo64 = "18446744073709551616"
        XCTAssertEqual(try lines(#"{"type": "integer"}"#, twoTo64), [])
        XCTAssertEqual(try lines(#"{"type": "integer"}"#, "1e300"), [])
        XCTAssertEqual(try lines(#"{"multipleOf": 3}"#, twoTo64), ["(document)|expected a multiple of 3, got 1.8446744073709552e+19"])
        XCTAssertEqual(try lines(#"{"multipleOf": 2}"#, twoTo64), [])
        XCTAssertEqual(try lines(#"{"multipleOf": 0.123456789}"#, "1e308"), ["(document)|expected a multiple of 0.123456789, got 1e+308"])
        XCTAssertEqual(try lines(#"{"multipleOf": 1e-8}"#, "12391239123"), [])
        XCTAssertEqual(try lines(#"{"maximum": 10}"#, "1e300"), ["(document)|expected a number <= 10, got 1e+300"])
        XCTAssertEqual(try lines(#"{"enum": [\#(twoTo64)], "uniqueItems": true}"#, twoTo64), [])
        let huge = #"{"minLength": 1e300, "maxItems": \#(twoTo64), "minProperties": 9007199254740993}"#
        XCTAssertEqual(try lines(huge, "[1]"), [])
        XCTAssertEqual(try lines(#"{"uniqueItems": true}"#, "[\(twoTo64), 1e300, \(twoTo64)]"), ["[2]|duplicate of item [0]; expected unique items"])
    }

    // MARK: Schema errors

    func testInvalidSchemasNameTheURIAndPointer() {
        XCTAssertEqual(schemaError(#"{"type": "strng"}"#), #"file:///x/a.schema.json#/type: unknown type name "strng" (did you mean `string`?)"#)
        XCTAssertEqual(schemaError(#"{"type": ["string", 3]}"#), "file:///x/a.schema.json#/type/1: expected a type name, got number 3")
        XCTAssertEqual(schemaError(#"{"properties": {"seed": {"minimum": "0"}}}"#),
                       #"file:///x/a.schema.json#/properties/seed/minimum: expected a number, got string "0""#)
        XCTAssertEqual(schemaError(#"{"pattern": "(["}"#), #"file:///x/a.schema.json#/pattern: "([" is not a valid regular expression"#)
        XCTAssertEqual(schemaError(#"{"patternProperties": {"a(": {}}}"#),
                       #"file:///x/a.schema.json#/patternProperties/a(: "a(" is not a valid regular expression"#)
        XCTAssertEqual(schemaError(##"{"$defs": {"a": {"$ref": "other.json#/x"}}}"##),
                       #"file:///x/a.schema.json#/$defs/a/$ref: cannot resolve "other.json#/x": no schema document at file:///x/other.json"#)
        XCTAssertEqual(schemaError(##"{"$ref": "#/$defs/nope"}"##),
                       ##"file:///x/a.schema.json#/$ref: cannot resolve "#/$defs/nope": there is nothing at /$defs/nope in file:///x/a.schema.json"##)
        XCTAssertEqual(schemaError(##"{"$ref": "#nope"}"##),
                       ##"file:///x/a.schema.json#/$ref: cannot resolve "#nope": no anchor `nope` in file:///x/a.schema.json"##)
        XCTAssertEqual(schemaError(#"{"required": ["a", "a"]}"#), "file:///x/a.schema.json#/required/1: `a` is listed twice")
        XCTAssertEqual(schemaError(#"{"minLength": -1}"#), "file:///x/a.schema.json#/minLength: expected a non-negative integer, got number -1")
        XCTAssertEqual(schemaError(#"{"items": {"properties": 3}}"#), "file:///x/a.schema.json#/items/properties: expected an object of schemas, got number 3")
        XCTAssertEqual(schemaError(#"{"allOf": [{}, 3]}"#), "file:///x/a.schema.json#/allOf/1: expected a schema (an object or boolean), got number 3")
        XCTAssertEqual(schemaError("3"), "file:///x/a.schema.json#: expected a schema (an object or boolean), got number 3")
        XCTAssertTrue(schemaError(##"{"$defs": {"a": {"$ref": "#"}}, "$ref": "#/$defs/a"}"##).contains("never end"))
        XCTAssertEqual(schemaError(##"{"enum": [{"$id": "not an id", "$ref": "#/nowhere"}]}"##), "(loaded)",
                       "values inside enum are data, not schemas")
    }

    func testFailedLoadLeavesTheRegistryUsable() throws {
        let registry = SchemaRegistry()
        XCTAssertThrowsError(try registry.load(json(##"{"$id": "http://x.test/s", "$ref": "#/missing"}"##), baseURI: "http://x.test/a"))
        let schema = try registry.load(json(#"{"$id": "http://x.test/s", "type": "string"}"#), baseURI: "http://x.test/a")
        XCTAssertTrue(schema.isValid(.string("ok")))
        let user = try registry.load(json(#"{"items": {"$ref": "http://x.test/s"}}"#), baseURI: "http://x.test/b")
        XCTAssertEqual(user.validate(json("[1]")).map(\.message), ["expected a string, got number 1"])
    }

    func testFilesResolveSiblingFilesAndErrorsNameTheFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jsonschema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func write(_ name: String, _ text: String) throws { try Data(text.utf8).write(to: dir.appendingPathComponent(name)) }
        try write("a.schema.json", ##"{"properties": {"name": {"$ref": "b.schema.json#/$defs/name"}}}"##)
        try write("b.schema.json", #"{"$defs": {"name": {"type": "string"}}}"#)
        try write("c.schema.json", #"{"$ref": "missing.schema.json"}"#)
        try write("d.schema.json", #"{"type": "#)

        let registry = SchemaRegistry()
        let a = try registry.load(file: dir.appendingPathComponent("a.schema.json").path)
        XCTAssertEqual(a.validate(json(#"{"name": 3}"#)).map(\.message), ["expected a string, got number 3"])
        XCTAssertNoThrow(try registry.load(file: dir.appendingPathComponent("b.schema.json").path), "already loaded through $ref")
        for (file, expected) in [("c.schema.json", "cannot resolve \"missing.schema.json\""), ("d.schema.json", "not valid JSON"),
                                 ("none.schema.json", "cannot read")] {
            XCTAssertThrowsError(try registry.load(file: dir.appendingPathComponent(file).path)) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(file) && text.contains(expected), text)
            }
        }
    }

    func testClosestName() {
        XCTAssertEqual(closestName(to: "tran", among: ["seed", "train"]), "train")
        XCTAssertEqual(closestName(to: "Trian", among: ["train"]), "train", "adjacent swap, any case")
        XCTAssertEqual(closestName(to: "optimiser", among: ["optimizer", "schedule"]), "optimizer")
        XCTAssertNil(closestName(to: "foo", among: ["train", "seed"]))
        XCTAssertNil(closestName(to: "train", among: ["train"]), "an exact name is not a suggestion")
    }
}
