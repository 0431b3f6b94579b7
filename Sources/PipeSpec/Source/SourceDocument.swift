/// A loaded YAML or JSON file: its value, plus where each key and value sits in the text.
public struct SourceDocument: Sendable {
    /// The path as the user gave it, used in diagnostics.
    public var path: String
    public var value: JSONValue
    var valueLocations: [JSONPath: SourceLocation]
    var keyLocations: [JSONPath: SourceLocation]

    public init(path: String, value: JSONValue,
                valueLocations: [JSONPath: SourceLocation] = [:], keyLocations: [JSONPath: SourceLocation] = [:]) {
        self.path = path
        self.value = value
        self.valueLocations = valueLocations
        self.keyLocations = keyLocations
    }

    /// Where the value at `path` (or its key, with `atKey`) starts; the nearest enclosing node when it has none.
    public func location(of path: JSONPath, atKey: Bool = false) -> SourceLocation {
        if atKey, let key = keyLocations[path] { return key }
        var current: JSONPath? = path
        while let p = current {
            if let location = valueLocations[p] { return location }
            if let key = keyLocations[p] { return key }
            current = p.parent
        }
        return .start
    }

    /// A diagnostic about the value (or key) at `path`, with the path leading the message.
    public func diagnostic(at path: JSONPath, atKey: Bool = false, severity: Diagnostic.Severity = .error,
                           _ message: String) -> Diagnostic {
        let text = path.components.isEmpty ? message : "\(path): \(message)"
        return Diagnostic(file: self.path, location: location(of: path, atKey: atKey), severity: severity, message: text)
    }
}
