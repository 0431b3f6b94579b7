import Foundation

/// A JSON document as a value: what YAML and JSON files both load into before validation.
///
/// Numbers are `Double`, so `1` and `1.0` are equal and integers beyond 2^53 load without trapping
/// (with the precision a double has).
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The JSON type name, as JSON Schema's `type` keyword spells it.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number(let n): n.rounded() == n && n.isFinite ? "integer" : "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var numberValue: Double? { if case .number(let n) = self { n } else { nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    public var objectValue: [String: JSONValue]? { if case .object(let o) = self { o } else { nil } }

    /// The value as an exact integer, when it is one that `Int` holds.
    public var intValue: Int? {
        guard case .number(let n) = self, n.rounded() == n, abs(n) < 9.007_199_254_740_992e15 else { return nil }
        return Int(n)
    }

    public subscript(key: String) -> JSONValue? { objectValue?[key] }
}

extension JSONValue {
    /// Canonical JSON text: sorted keys, no spaces, integers without a fraction.
    ///
    /// Two values that are equal as JSON give the same text, so it can be hashed. JSON has no NaN or infinity,
    /// so such a number is written as `null` (an undefined value); files use `fileText()`, which refuses them.
    public var canonicalText: String {
        var out = ""
        writeCanonical(to: &out)
        return out
    }

    private func writeCanonical(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n.isFinite ? Self.numberText(n) : "null"
        case .string(let s): Self.writeQuoted(s, to: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.writeCanonical(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, key) in members.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                Self.writeQuoted(key, to: &out)
                out += ":"
                members[key]!.writeCanonical(to: &out)
            }
            out += "}"
        }
    }

    /// A number the way people write it: `3`, `0.001`, `1e+300`.
    public static func numberText(_ n: Double) -> String {
        if n.rounded() == n, abs(n) < 1e15 { return String(Int64(n)) }
        return "\(n)"
    }

    static func writeQuoted(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                out += String(format: "\\u%04x", c.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// A short rendering for messages: `string "0.6"`, `number 3`, `an object`.
    public var shortDescription: String {
        switch self {
        case .null: "null"
        case .bool(let b): "boolean \(b)"
        case .number(let n): "number \(Self.numberText(n))"
        case .string(let s):
            s.count > 40 ? "string \(JSONValue.string(String(s.prefix(37)) + "...").canonicalText)" : "string \(canonicalText)"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

extension JSONValue: Decodable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let n = try? container.decode(Double.self) {
            self = .number(n)
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let a = try? container.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Parses JSON text; text nesting arrays and objects more than `maxDepth` deep is refused before decoding.
    public static func parse(_ data: Data, maxDepth: Int = InputLimits.standard.maxDepth) throws -> JSONValue {
        try JSONDepthCheck.check(data, maxDepth: maxDepth)
        return try JSONDecoder().decode(JSONValue.self, from: data)
    }
}
