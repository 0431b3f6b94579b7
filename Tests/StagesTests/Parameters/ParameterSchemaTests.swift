import Foundation
import PipeSpec
import XCTest
@testable import Stages

/// Each stage kind's parameter type against its JSON Schema, property by property: the same names at every
/// level, the same required ones, and the same defaults.
final class ParameterSchemaTests: XCTestCase {
    /// A minimal valid `with` of each kind and how its parameter type reads one.
    static let kinds: [String: (with: JSONValue, read: @Sendable (ParameterReader) throws -> Void)] = [
        "synthesize": (["dataset": "breakhis"], { _ = try SynthesizeParameters(reading: $0) }),
        "ingest": (["dataset": "breakhis"], { _ = try IngestParameters(reading: $0) }),
        "balance": (["strategy": "undersample"], { _ = try BalanceParameters(reading: $0) }),
        "split": ([:], { _ = try SplitParameters(reading: $0) }),
        "augment": (["ops": [["op": "rotate90"]]], { _ = try AugmentParameters(reading: $0) }),
        "import-weights": (["arch": "densenet121", "source": "none"], { _ = try ImportWeightsParameters(reading: $0) }),
        "fine-tune": (["optimizer": ["name": "adam", "lr": 0.001], "head": [["layer": "dense", "units": 2]], "online_augment": [["op": "rotate90"]]],
                      { _ = try FineTuneParameters(reading: $0) }),
        "evaluate": ([:], { _ = try EvaluateParameters(reading: $0) }),
        "report": ([:], { _ = try ReportParameters(reading: $0) }),
        "command": (["run": "true"], { _ = try CommandParameters(reading: $0) }),
    ]

    static let schemas = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("schemas/stages")

    func testEveryKindHasAParameterType() {
        XCTAssertEqual(Set(Self.kinds.keys), Set(StageCatalog.kinds.keys))
        for (name, kind) in StageCatalog.kinds {
            XCTAssertTrue(kind is any TypedStageKind, "\(name) decodes its parameters into a type")
        }
    }

    func testTypesAgreeWithSchemas() throws {
        for (kind, entry) in Self.kinds.sorted(by: { $0.key < $1.key }) {
            let reader = ParameterReader(StageSpec(name: "s", declaredName: "s", kind: kind, with: entry.with))
            try entry.read(reader)
            let declared = Dictionary(reader.declarations.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
            XCTAssertEqual(declared.count, reader.declarations.count, "\(kind): a parameter is read twice")
            let schema = try JSONValue.parse(Data(contentsOf: Self.schemas.appendingPathComponent("\(kind).schema.json")))
            let documented = Self.properties(of: schema, prefix: "")
            XCTAssertEqual(Set(declared.keys), Set(documented.keys), "\(kind): parameters of the type vs properties of the schema")
            for (path, property) in documented {
                guard let declaration = declared[path] else { continue }
                XCTAssertEqual(declaration.defaultValue, property.defaultValue, "\(kind): default of `\(path)`")
                XCTAssertEqual(declaration.isRequired, property.isRequired, "\(kind): whether `\(path)` is required")
            }
        }
    }

    /// Leaving a parameter out and writing its default give the same resolved parameters, which the key is made of.
    func testResolvedParametersFillInDefaults() throws {
        func resolved(_ with: JSONValue) throws -> JSONValue {
            let reader = ParameterReader(StageSpec(name: "s", declaredName: "s", kind: "fine-tune", with: with))
            _ = try FineTuneParameters(reading: reader)
            return reader.resolved
        }
        let implied = try resolved(["optimizer": ["name": "sgd", "lr": 0.1]])
        let spelled = try resolved(["optimizer": ["name": "sgd", "lr": 0.1, "momentum": 0.9], "epochs": 10, "freeze": "backbone"])
        XCTAssertEqual(implied, spelled)
        XCTAssertEqual(implied["optimizer"]?["momentum"], 0.9)
        XCTAssertNotEqual(implied, try resolved(["optimizer": ["name": "sgd", "lr": 0.1], "epochs": 11]))
    }

    func testMissingRequiredParameterNamesIt() {
        let reader = ParameterReader(StageSpec(name: "train", declaredName: "train", kind: "fine-tune", with: ["optimizer": ["name": "adam"]]))
        XCTAssertThrowsError(try FineTuneParameters(reading: reader)) { error in
            XCTAssertEqual("\(error)", "stage `train`: `optimizer.lr` is required")
        }
    }

    struct Property {
        var defaultValue: JSONValue?
        var isRequired: Bool
    }

    /// Every property path of an object schema, nested objects and list elements (`ops[].p`) included.
    static func properties(of schema: JSONValue, prefix: String, root: JSONValue? = nil) -> [String: Property] {
        let root = root ?? schema
        let required = Set(schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        var result: [String: Property] = [:]
        for (name, property) in schema["properties"]?.objectValue ?? [:] {
            let path = prefix + name
            result[path] = Property(defaultValue: property["default"], isRequired: required.contains(name))
            if property["properties"] != nil {
                result.merge(properties(of: property, prefix: path + ".", root: root), uniquingKeysWith: { first, _ in first })
            }
            if let element = property["items"].flatMap({ resolve($0, in: root) }) {
                result.merge(properties(of: element.schema, prefix: path + "[].", root: element.root), uniquingKeysWith: { first, _ in first })
            }
        }
        return result
    }

    /// A `$ref` to an object definition, here or in another stage schema, with the document it lives in.
    static func resolve(_ schema: JSONValue, in root: JSONValue) -> (schema: JSONValue, root: JSONValue)? {
        guard let reference = schema["$ref"]?.stringValue, let hash = reference.firstIndex(of: "#") else {
            return schema["properties"] == nil ? nil : (schema, root)
        }
        let file = String(reference[..<hash])
        let document = file.isEmpty ? root : (try? JSONValue.parse(Data(contentsOf: schemas.appendingPathComponent(file)))) ?? .null
        var target = document
        for part in reference[reference.index(after: hash)...].split(separator: "/") { target = target[String(part)] ?? .null }
        return target["properties"] == nil ? nil : (target, document)
    }
}

extension JSONValue: ExpressibleByDictionaryLiteral, ExpressibleByArrayLiteral,
    ExpressibleByStringLiteral, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(Dictionary(uniqueKeysWithValues: elements)) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
}
