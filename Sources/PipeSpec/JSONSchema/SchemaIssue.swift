/// A violation being collected, with the details `anyOf`/`oneOf` reporting combines.
struct SchemaIssue {
    var violation: SchemaViolation
    /// For `const`/`enum` failures: the values that would have been accepted.
    var expectedValues: [JSONValue] = []
    /// For `type` failures: the types that would have been accepted.
    var expectedTypes: JSONTypeSet = []

    var depth: Int { violation.path.components.count }
    var keyword: String { violation.keyword }
}
