/// One compiled schema (object or boolean) at one location of a schema document.
struct SchemaNode: Sendable {
    enum Body: Sendable {
        case always(Bool)
        case keywords([SchemaKeyword])
    }

    var body: Body
    /// The innermost schema resource (`$id` scope) this schema belongs to, for `$dynamicRef`.
    var resource: Int
    /// Where the schema is, as document URI and JSON pointer: `file:///x/a.schema.json#/$defs/stage`.
    var location: String
    /// Whether it has `unevaluatedProperties` or `unevaluatedItems`, which need annotations.
    var needsAnnotations = false
    /// The names in its `properties`, sorted, for "did you mean" suggestions.
    var declaredProperties: [String] = []

    static let placeholder = SchemaNode(body: .always(true), resource: 0, location: "")
}

/// The compiled schemas of a registry at one moment, shared read-only by `Schema` values.
final class SchemaProgram: Sendable {
    let nodes: [SchemaNode]
    /// For each resource, its `$dynamicAnchor` names and the schemas they mark.
    let dynamicAnchors: [[String: Int]]
    let usesDynamicRef: Bool

    init(nodes: [SchemaNode], dynamicAnchors: [[String: Int]], usesDynamicRef: Bool) {
        self.nodes = nodes
        self.dynamicAnchors = dynamicAnchors
        self.usesDynamicRef = usesDynamicRef
    }
}
