/// A compiled JSON Schema, ready to validate instances; cheap to copy and safe to share.
public struct Schema: Sendable {
    let program: SchemaProgram
    let root: Int

    /// Where the schema is: its document's URI and the JSON pointer inside it.
    public var location: String { program.nodes[root].location }

    /// Validates an instance and returns every violation (empty = valid).
    public func validate(_ instance: JSONValue) -> [SchemaViolation] {
        var validator = SchemaValidator(program: program, reporting: true)
        var annotations = SchemaAnnotations(active: false)
        _ = validator.evaluate(root, instance, &annotations)
        var seen = Set<SchemaViolation>()
        return validator.issues.map(\.violation).filter { seen.insert($0).inserted }
    }

    /// Whether the instance is valid; stops at the first failure.
    public func isValid(_ instance: JSONValue) -> Bool {
        var validator = SchemaValidator(program: program, reporting: false)
        var annotations = SchemaAnnotations(active: false)
        return validator.evaluate(root, instance, &annotations)
    }
}
