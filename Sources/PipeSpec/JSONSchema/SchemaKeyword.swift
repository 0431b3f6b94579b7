/// One compiled assertion or applicator of a schema object; subschemas are node indices.
enum SchemaKeyword: Sendable {
    case type(JSONTypeSet)
    case enumeration([JSONValue], lookup: Set<JSONValue>)
    case constant(JSONValue)
    case multipleOf(Double)
    case bound(NumericBound)
    case minLength(Int)
    case maxLength(Int)
    case pattern(RegexPattern)
    case minItems(Int)
    case maxItems(Int)
    case uniqueItems
    case contains(Int, min: Int, max: Int?)
    case prefixItems([Int])
    case items(Int, from: Int)
    case unevaluatedItems(Int)
    case minProperties(Int)
    case maxProperties(Int)
    case required([String])
    case dependentRequired([(key: String, required: [String])])
    case dependentSchemas([(key: String, schema: Int)])
    case properties([(name: String, schema: Int)])
    case patternProperties([(pattern: RegexPattern, schema: Int)])
    case additionalProperties(Int, declared: Set<String>, patterns: [RegexPattern])
    case propertyNames(Int)
    case unevaluatedProperties(Int)
    case allOf([Int])
    case anyOf([Int])
    case oneOf([Int])
    case not(Int)
    case conditional(if: Int, then: Int?, else: Int?)
    case ref(Int)
    case dynamicRef(Int, anchor: String?)
}

/// A `minimum`, `maximum`, `exclusiveMinimum` or `exclusiveMaximum` limit.
struct NumericBound: Sendable {
    enum Kind: String, Sendable {
        case minimum, maximum, exclusiveMinimum, exclusiveMaximum

        var symbol: String {
            switch self {
            case .minimum: ">="
            case .maximum: "<="
            case .exclusiveMinimum: ">"
            case .exclusiveMaximum: "<"
            }
        }
    }

    var kind: Kind
    var limit: Double

    func admits(_ n: Double) -> Bool {
        switch kind {
        case .minimum: n >= limit
        case .maximum: n <= limit
        case .exclusiveMinimum: n > limit
        case .exclusiveMaximum: n < limit
        }
    }
}

/// The set of JSON types a `type` keyword allows.
struct JSONTypeSet: OptionSet, Sendable {
    let rawValue: UInt8

    static let null = JSONTypeSet(rawValue: 1)
    static let boolean = JSONTypeSet(rawValue: 2)
    static let integer = JSONTypeSet(rawValue: 4)
    static let number = JSONTypeSet(rawValue: 8)
    static let string = JSONTypeSet(rawValue: 16)
    static let array = JSONTypeSet(rawValue: 32)
    static let object = JSONTypeSet(rawValue: 64)

    /// Type names in the order messages list them.
    static let named: [(name: String, type: JSONTypeSet)] = [
        ("integer", .integer), ("number", .number), ("string", .string), ("boolean", .boolean),
        ("array", .array), ("object", .object), ("null", .null),
    ]

    init(rawValue: UInt8) { self.rawValue = rawValue }

    init?(name: String) {
        guard let entry = Self.named.first(where: { $0.name == name }) else { return nil }
        self = entry.type
    }

    var names: [String] { Self.named.filter { contains($0.type) }.map(\.name) }

    func admits(_ value: JSONValue) -> Bool {
        switch value {
        case .null: contains(.null)
        case .bool: contains(.boolean)
        case .number(let n): contains(.number) || (contains(.integer) && n.isFinite && n.rounded() == n)
        case .string: contains(.string)
        case .array: contains(.array)
        case .object: contains(.object)
        }
    }
}
