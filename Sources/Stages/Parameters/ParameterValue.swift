import PipeSpec

/// A type one parameter of a stage's `with` block can have, with its JSON form both ways.
public protocol ParameterValue: Sendable {
    init?(json: JSONValue)
    var json: JSONValue { get }
}

extension Int: ParameterValue {
    public init?(json: JSONValue) {
        guard let value = json.intValue else { return nil }
        self = value
    }
    public var json: JSONValue { .number(Double(self)) }
}

extension Double: ParameterValue {
    public init?(json: JSONValue) {
        guard let value = json.numberValue else { return nil }
        self = value
    }
    public var json: JSONValue { .number(self) }
}

extension String: ParameterValue {
    public init?(json: JSONValue) {
        guard let value = json.stringValue else { return nil }
        self = value
    }
    public var json: JSONValue { .string(self) }
}

extension Bool: ParameterValue {
    public init?(json: JSONValue) {
        guard let value = json.boolValue else { return nil }
        self = value
    }
    public var json: JSONValue { .bool(self) }
}

extension Array: ParameterValue where Element: ParameterValue {
    public init?(json: JSONValue) {
        guard let items = json.arrayValue else { return nil }
        var values: [Element] = []
        for item in items {
            guard let value = Element(json: item) else { return nil }
            values.append(value)
        }
        self = values
    }
    public var json: JSONValue { .array(map(\.json)) }
}

/// A parameter whose value is one of the schema's `enum` strings.
public protocol ParameterChoice: ParameterValue, RawRepresentable<String>, CaseIterable {}

extension ParameterChoice {
    public init?(json: JSONValue) {
        guard let text = json.stringValue, let value = Self(rawValue: text) else { return nil }
        self = value
    }
    public var json: JSONValue { .string(rawValue) }
}
