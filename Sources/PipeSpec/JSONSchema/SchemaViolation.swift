/// One way an instance fails its schema: where, which keyword, and a message for people.
public struct SchemaViolation: Hashable, Sendable, CustomStringConvertible {
    /// Where in the instance the problem is.
    public var path: JSONPath
    /// True when the problem is the key at `path` itself (an unknown key), not its value.
    public var atKey: Bool
    /// The schema keyword that failed: `type`, `required`, `additionalProperties`, ...
    public var keyword: String
    /// What is wrong, without the path.
    public var message: String

    public init(path: JSONPath, atKey: Bool = false, keyword: String, message: String) {
        self.path = path
        self.atKey = atKey
        self.keyword = keyword
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
