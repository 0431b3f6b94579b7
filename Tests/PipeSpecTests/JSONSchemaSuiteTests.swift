import Foundation
import XCTest
import PipeSpec

/// Runs the official JSON-Schema-Test-Suite (draft 2020-12) against the validator, one test method per file.
final class JSONSchemaSuiteTests: XCTestCase {
    /// Groups that cannot run here, by exact description, and why. Each must fail to load because a
    /// remote document is missing; `testSkipsStillNeedMissingRemotes` checks that, so the list cannot go stale.
    static let skips: [String: String] = [
        "remote ref, containing refs itself":
            "needs the draft 2020-12 meta-schema https://json-schema.org/draft/2020-12/schema, which is not in remotes/",
        "validate definition against metaschema":
            "needs the draft 2020-12 meta-schema https://json-schema.org/draft/2020-12/schema, which is not in remotes/",
    ]

    static let files = [
        "additionalProperties", "allOf", "anyOf", "boolean_schema", "const", "contains", "default",
        "dependentRequired", "dependentSchemas", "enum", "exclusiveMaximum", "exclusiveMinimum",
        "if-then-else", "items", "maxContains", "maxItems", "maxLength", "maxProperties", "maximum",
        "minContains", "minItems", "minLength", "minProperties", "minimum", "multipleOf", "not", "oneOf",
        "pattern", "patternProperties", "prefixItems", "properties", "propertyNames", "required", "type",
        "uniqueItems", "ref", "defs", "anchor", "unevaluatedProperties", "unevaluatedItems",
    ]

    static let suiteRoot = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("../shared/testsuites/JSON-Schema-Test-Suite").standardizedFileURL

    static let tally = SuiteTally()

    override class func tearDown() {
        print("JSON-Schema-Test-Suite: \(tally.summary)")
        super.tearDown()
    }

    func testAdditionalProperties() throws { try runSuiteFile("additionalProperties") }
    func testAllOf() throws { try runSuiteFile("allOf") }
    func testAnyOf() throws { try runSuiteFile("anyOf") }
    func testBooleanSchema() throws { try runSuiteFile("boolean_schema") }
    func testConst() throws { try runSuiteFile("const") }
    func testContains() throws { try runSuiteFile("contains") }
    func testDefault() throws { try runSuiteFile("default") }
    func testDependentRequired() throws { try runSuiteFile("dependentRequired") }
    func testDependentSchemas() throws { try runSuiteFile("dependentSchemas") }
    func testEnum() throws { try runSuiteFile("enum") }
    func testExclusiveMaximum() throws { try runSuiteFile("exclusiveMaximum") }
    func testExclusiveMinimum() throws { try runSuiteFile("exclusiveMinimum") }
    func testIfThenElse() throws { try runSuiteFile("if-then-else") }
    func testItems() throws { try runSuiteFile("items") }
    func testMaxContains() throws { try runSuiteFile("maxContains") }
    func testMaxItems() throws { try runSuiteFile("maxItems") }
    func testMaxLength() throws { try runSuiteFile("maxLength") }
    func testMaxProperties() throws { try runSuiteFile("maxProperties") }
    func testMaximum() throws { try runSuiteFile("maximum") }
    func testMinContains() throws { try runSuiteFile("minContains") }
    func testMinItems() throws { try runSuiteFile("minItems") }
    func testMinLength() throws { try runSuiteFile("minLength") }
    func testMinProperties() throws { try runSuiteFile("minProperties") }
    func testMinimum() throws { try runSuiteFile("minimum") }
    func testMultipleOf() throws { try runSuiteFile("multipleOf") }
    func testNot() throws { try runSuiteFile("not") }
    func testOneOf() throws { try runSuiteFile("oneOf") }
    func testPattern() throws { try runSuiteFile("pattern") }
    func testPatternProperties() throws { try runSuiteFile("patternProperties") }
    func testPrefixItems() throws { try runSuiteFile("prefixItems") }
    func testProperties() throws { try runSuiteFile("properties") }
    func testPropertyNames() throws { try runSuiteFile("propertyNames") }
    func testRequired() throws { try runSuiteFile("required") }
    func testType() throws { try runSuiteFile("type") }
    func testUniqueItems() throws { try runSuiteFile("uniqueItems") }
    func testRef() throws { try runSuiteFile("ref") }
    func testDefs() throws { try runSuiteFile("defs") }
    func testAnchor() throws { try runSuiteFile("anchor") }
    func testUnevaluatedProperties() throws { try runSuiteFile("unevaluatedProperties") }
    func testUnevaluatedItems() throws { try runSuiteFile("unevaluatedItems") }

    func testSkipsStillNeedMissingRemotes() throws {
        var found: Set<String> = []
        for file in Self.files {
            for group in try Self.groups(file) {
                guard let reason = Self.skips[group.description] else { continue }
                found.insert(group.description)
                do {
                    _ = try Self.registry().load(group.schema, baseURI: Self.baseURI)
                    XCTFail("\(file).json: skipped group \"\(group.description)\" now loads; remove it from `skips` (\(reason))")
                } catch let error as SchemaError {
                    XCTAssertTrue(error.message.contains("cannot resolve") && error.message.contains("no schema document at"),
                                  "\(file).json: skipped group \"\(group.description)\" fails for another reason: \(error)")
                }
            }
        }
        XCTAssertEqual(found, Set(Self.skips.keys), "skips that match no group in the listed files")
    }

    // MARK: Running

    static let baseURI = "https://json-schema-test-suite.invalid/schema.json"

    struct Group {
        var description: String
        var schema: JSONValue
        var tests: [(description: String, data: JSONValue, valid: Bool)]
    }

    static func groups(_ file: String) throws -> [Group] {
        let url = suiteRoot.appendingPathComponent("tests/draft2020-12/\(file).json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw SuiteMissing(path: url.path)
        }
        guard case .array(let groups) = try JSONValue.parse(Data(contentsOf: url)) else { throw SuiteMissing(path: url.path) }
        return groups.map { group in
            let tests = (group["tests"]?.arrayValue ?? []).map {
                ($0["description"]?.stringValue ?? "?", $0["data"] ?? .null, $0["valid"]?.boolValue ?? false)
            }
            return Group(description: group["description"]?.stringValue ?? "?", schema: group["schema"] ?? .null, tests: tests)
        }
    }

    /// A registry whose loader serves `http://localhost:1234/<path>` from the suite's `remotes/<path>`.
    static func registry() -> SchemaRegistry {
        let remotes = suiteRoot.appendingPathComponent("remotes")
        return SchemaRegistry { uri in
            let prefix = "http://localhost:1234/"
            guard uri.hasPrefix(prefix) else { return nil }
            let file = remotes.appendingPathComponent(String(uri.dropFirst(prefix.count)))
            guard FileManager.default.fileExists(atPath: file.path) else { return nil }
            return try JSONValue.parse(Data(contentsOf: file))
        }
    }

    func runSuiteFile(_ file: String) throws {
        let groups: [Group]
        do {
            groups = try Self.groups(file)
        } catch let missing as SuiteMissing {
            XCTFail("JSON-Schema-Test-Suite not found: \(missing.path) (expected the suite at \(Self.suiteRoot.path))")
            return
        }
        var passed = 0, failed = 0, skipped = 0
        for group in groups {
            if Self.skips[group.description] != nil {
                skipped += group.tests.count
                continue
            }
            let schema: Schema
            do {
                schema = try Self.registry().load(group.schema, baseURI: Self.baseURI)
            } catch {
                XCTFail("\(file).json: \"\(group.description)\": schema does not load: \(error)")
                failed += group.tests.count
                continue
            }
            for test in group.tests {
                let quick = schema.isValid(test.data)
                let violations = schema.validate(test.data)
                if quick == test.valid && violations.isEmpty == test.valid {
                    passed += 1
                } else {
                    failed += 1
                    XCTFail("\(file).json: \"\(group.description)\" / \"\(test.description)\": expected \(test.valid ? "valid" : "invalid"), isValid = \(quick), violations = \(violations)")
                }
            }
        }
        print("JSON-Schema-Test-Suite \(file).json: \(passed) passed, \(failed) failed, \(skipped) skipped")
        Self.tally.add(passed: passed, failed: failed, skipped: skipped)
    }

    struct SuiteMissing: Error {
        var path: String
    }

    /// Totals across the suite files, printed once when the test class finishes.
    final class SuiteTally: @unchecked Sendable {
        private let lock = NSLock()
        private var counts = (passed: 0, failed: 0, skipped: 0)

        func add(passed: Int, failed: Int, skipped: Int) {
            lock.lock()
            defer { lock.unlock() }
            counts.passed += passed
            counts.failed += failed
            counts.skipped += skipped
        }

        var summary: String {
            lock.lock()
            defer { lock.unlock() }
            return "\(counts.passed) passed, \(counts.failed) failed, \(counts.skipped) skipped"
        }
    }
}
