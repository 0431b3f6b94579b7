/// Evaluates compiled schemas against one instance, optionally reporting every violation.
///
/// In reporting mode it keeps going after a failure and records issues with their paths;
/// otherwise it stops at the first failure and never builds a path.
struct SchemaValidator {
    let program: SchemaProgram
    var reporting: Bool
    var issues: [SchemaIssue] = []
    /// The instance location being evaluated; maintained only while reporting.
    var path: [JSONPath.Component] = []
    /// Resources entered so far, outermost first; maintained only when `$dynamicRef` is in use.
    var scope: [Int] = []

    init(program: SchemaProgram, reporting: Bool) {
        self.program = program
        self.reporting = reporting
    }

    /// Evaluates schema `id` against `value` at the current location, merging annotations into `annotations`.
    mutating func evaluate(_ id: Int, _ value: JSONValue, _ annotations: inout SchemaAnnotations) -> Bool {
        let node = program.nodes[id]
        let keywords: [SchemaKeyword]
        switch node.body {
        case .always(let result):
            if !result && reporting { report("false", "no value is allowed here") }
            return result
        case .keywords(let list):
            keywords = list
        }
        let entered = program.usesDynamicRef && scope.last != node.resource
        if entered { scope.append(node.resource) }
        defer { if entered { scope.removeLast() } }
        guard node.needsAnnotations else { return apply(keywords, of: id, to: value, &annotations) }
        // unevaluated* must only see what this schema's own keywords evaluated, not its siblings'.
        var local = SchemaAnnotations(active: true)
        let valid = apply(keywords, of: id, to: value, &local)
        annotations.merge(local)
        return valid
    }

    private mutating func apply(_ keywords: [SchemaKeyword], of id: Int, to value: JSONValue,
                                _ annotations: inout SchemaAnnotations) -> Bool {
        var valid = true
        for keyword in keywords where !check(keyword, of: id, value, &annotations) {
            valid = false
            guard reporting else { return false }
            if case .type = keyword { return false }
        }
        return valid
    }

    private mutating func check(_ keyword: SchemaKeyword, of id: Int, _ value: JSONValue,
                                _ annotations: inout SchemaAnnotations) -> Bool {
        switch keyword {
        case .type, .enumeration, .constant, .multipleOf, .bound, .minLength, .maxLength, .pattern:
            return checkValue(keyword, value)
        case .minItems, .maxItems, .uniqueItems, .contains, .prefixItems, .items, .unevaluatedItems:
            guard case .array(let items) = value else { return true }
            return checkArray(keyword, items, &annotations)
        case .minProperties, .maxProperties, .required, .dependentRequired, .dependentSchemas, .properties,
             .patternProperties, .additionalProperties, .propertyNames, .unevaluatedProperties:
            guard case .object(let members) = value else { return true }
            return checkObject(keyword, of: id, members, value, &annotations)
        case .allOf, .anyOf, .oneOf, .not, .conditional, .ref, .dynamicRef:
            return checkApplicator(keyword, value, &annotations)
        }
    }

    /// Evaluates a subschema against a child of the current instance (no annotations flow back).
    mutating func evaluate(_ id: Int, _ value: JSONValue, at component: JSONPath.Component) -> Bool {
        if reporting { path.append(component) }
        var none = SchemaAnnotations.inactive
        let valid = evaluate(id, value, &none)
        if reporting { path.removeLast() }
        return valid
    }

    /// Evaluates without reporting, to learn whether a subschema matches.
    mutating func probe(_ id: Int, _ value: JSONValue, _ annotations: inout SchemaAnnotations) -> Bool {
        let wasReporting = reporting
        reporting = false
        defer { reporting = wasReporting }
        return evaluate(id, value, &annotations)
    }

    /// Evaluates while reporting into a separate list, returned instead of recorded.
    mutating func collect(_ id: Int, _ value: JSONValue, _ annotations: inout SchemaAnnotations) -> (Bool, [SchemaIssue]) {
        let outer = issues
        issues = []
        let valid = evaluate(id, value, &annotations)
        let found = issues
        issues = outer
        return (valid, found)
    }

    /// Records a violation at the current location, or at its child `key` (then the key itself is at fault).
    mutating func report(_ keyword: String, _ message: String, key: String? = nil,
                         values: [JSONValue] = [], types: JSONTypeSet = []) {
        var location = JSONPath(path)
        if let key { location.components.append(.key(key)) }
        let violation = SchemaViolation(path: location, atKey: key != nil, keyword: keyword, message: message)
        issues.append(SchemaIssue(violation: violation, expectedValues: values, expectedTypes: types))
    }
}
