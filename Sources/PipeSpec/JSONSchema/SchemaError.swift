/// A schema that cannot be used: a keyword with a bad value, a `$ref` that does not resolve, an unreadable file.
public struct SchemaError: Error, CustomStringConvertible, Sendable {
    /// The schema document and JSON pointer of the problem, e.g. `file:///x/a.schema.json#/properties/seed/minimum`.
    public var location: String
    /// What is wrong there.
    public var message: String

    public init(location: String, message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}
