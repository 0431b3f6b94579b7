import PipeSpec

/// Reads a stage's `with` block into typed values, recording each parameter it reads with its default.
///
/// What it records serves twice: the resolved parameters (defaults filled in) are what the cache key is made
/// of, so writing a default out or leaving it implied is the same stage; and the declarations let a test
/// compare every kind's parameter type with its JSON Schema, property by property, defaults included.
public final class ParameterReader {
    /// One parameter as the type declares it.
    public struct Declaration: Equatable, Sendable {
        /// Dotted path inside `with`, e.g. `optimizer.lr`.
        public var path: String
        /// The default the type uses when the parameter is absent; nil when it has none.
        public var defaultValue: JSONValue?
        public var isRequired: Bool
    }

    /// Shared by a reader and the readers of its nested objects.
    private final class Record {
        var declarations: [Declaration] = []
        var resolved: JSONValue = .object([:])
    }

    public let stage: String
    private let with: JSONValue
    private let path: [String]
    private let record: Record
    /// What messages put before a parameter's path: the list element a reader reads, e.g. `ops[1].`.
    private let label: String

    public init(_ stage: StageSpec) {
        self.stage = stage.name
        with = stage.with
        path = []
        record = Record()
        label = ""
    }

    private init(stage: String, with: JSONValue, path: [String], record: Record, label: String = "") {
        self.stage = stage
        self.with = with
        self.path = path
        self.record = record
        self.label = label
    }

    /// Every parameter read so far, in reading order.
    public var declarations: [Declaration] { record.declarations }

    /// The parameters with every default filled in: what the stage really runs with.
    public var resolved: JSONValue { record.resolved }

    /// `key`, or `defaultValue` when the block leaves it out.
    public func value<T: ParameterValue>(_ key: String, default defaultValue: T) throws -> T {
        declare(key, defaultValue: defaultValue.json, required: false)
        let value = try decoded(key, as: T.self) ?? defaultValue
        resolve(key, value.json)
        return value
    }

    /// `key`, or nil when the block leaves it out (a parameter with no default).
    public func optional<T: ParameterValue>(_ key: String) throws -> T? {
        declare(key, defaultValue: nil, required: false)
        let value = try decoded(key, as: T.self)
        if let value { resolve(key, value.json) }
        return value
    }

    /// `key`, which the schema requires.
    public func required<T: ParameterValue>(_ key: String) throws -> T {
        declare(key, defaultValue: nil, required: true)
        guard let value = try decoded(key, as: T.self) else {
            throw StageError.misconfigured(stage: stage, reason: "`\(dotted(key))` is required")
        }
        resolve(key, value.json)
        return value
    }

    /// `key` as written (a list of layers or ops, read by its own parser), or nil when absent.
    public func raw(_ key: String, required: Bool = false) -> JSONValue? {
        declare(key, defaultValue: nil, required: required)
        let value = with[key]
        if let value { resolve(key, value) }
        return value
    }

    /// Each element of the list `key` read by `read`, with its own defaults filled in (absent: no elements).
    /// The elements' parameters are declared once, as `key[].name`.
    public func items<T>(_ key: String, required: Bool = false, _ read: (ParameterReader) throws -> T) throws -> [T] {
        declare(key, defaultValue: nil, required: required)
        guard let list = with[key] else { return [] }
        guard let elements = list.arrayValue else { throw invalid(key, "must be a list") }
        var values: [T] = [], resolvedElements: [JSONValue] = []
        for (index, element) in elements.enumerated() {
            let reader = ParameterReader(stage: stage, with: element, path: [], record: Record(),
                                         label: dotted("\(key)[\(index)]") + ".")
            values.append(try read(reader))
            resolvedElements.append(reader.resolved)
            for declaration in reader.declarations {
                let name = (path + [key]).joined(separator: ".") + "[]." + declaration.path
                if !record.declarations.contains(where: { $0.path == name }) {
                    record.declarations.append(Declaration(path: name, defaultValue: declaration.defaultValue, isRequired: declaration.isRequired))
                }
            }
        }
        resolve(key, .array(resolvedElements))
        return values
    }

    /// A reader for the nested object `key`; an absent object reads as empty, so its members' defaults apply
    /// (and a required member is reported missing).
    public func object(_ key: String, required: Bool = false) -> ParameterReader {
        declare(key, defaultValue: nil, required: required)
        return ParameterReader(stage: stage, with: with[key] ?? .object([:]), path: path + [key], record: record, label: label)
    }

    /// An error about parameter `key` of this stage.
    public func invalid(_ key: String, _ reason: String) -> StageError {
        .misconfigured(stage: stage, reason: "`\(dotted(key))` \(reason)")
    }

    private func dotted(_ key: String) -> String { label + (path + [key]).joined(separator: ".") }

    private func decoded<T: ParameterValue>(_ key: String, as type: T.Type) throws -> T? {
        guard let json = with[key], json != .null else { return nil }
        guard let value = T(json: json) else {
            throw invalid(key, "has \(json.shortDescription), which this stage cannot use; see its schema")
        }
        return value
    }

    private func declare(_ key: String, defaultValue: JSONValue?, required: Bool) {
        record.declarations.append(Declaration(path: (path + [key]).joined(separator: "."), defaultValue: defaultValue, isRequired: required))
    }

    private func resolve(_ key: String, _ value: JSONValue) {
        func set(_ node: inout JSONValue, _ rest: ArraySlice<String>) {
            guard let first = rest.first else {
                node = value
                return
            }
            var members = node.objectValue ?? [:]
            var child = members[first] ?? .object([:])
            set(&child, rest.dropFirst())
            members[first] = child
            node = .object(members)
        }
        set(&record.resolved, (path + [key])[...])
    }
}
