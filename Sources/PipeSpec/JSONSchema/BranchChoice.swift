/// Decides what to report when no alternative of an `anyOf` or `oneOf` matches.
///
/// Listing every branch's errors buries the useful one, so it reports the single branch that
/// plausibly was meant (the only one whose type fits, else the one that got deepest, else the one
/// with fewest errors) or one summary violation.
struct BranchChoice {
    enum Outcome {
        case branch(Int)
        case summary(SchemaIssue)
    }

    let branches: [[SchemaIssue]]
    let path: JSONPath
    let value: JSONValue
    let keyword: String

    private var depth: Int { path.components.count }

    func outcome() -> Outcome {
        let fitting = branches.indices.filter { fits(branches[$0]) }
        if fitting.count == 1 { return .branch(fitting[0]) }
        if fitting.isEmpty, let combined = combinedExpectations() ?? combinedDiscriminator() { return .summary(combined) }
        var candidates = fitting.isEmpty ? Array(branches.indices) : fitting
        if let combined = combinedValues(candidates) { return .summary(combined) }
        let deepest = candidates.map { branches[$0].map(\.depth).max() ?? 0 }.max() ?? 0
        candidates = candidates.filter { (branches[$0].map(\.depth).max() ?? 0) == deepest }
        if candidates.count == 1 { return .branch(candidates[0]) }
        let fewest = candidates.map { branches[$0].count }.min() ?? 0
        candidates = candidates.filter { branches[$0].count == fewest }
        if candidates.count == 1 { return .branch(candidates[0]) }
        return .summary(summary())
    }

    /// A branch does not fit when the value has the wrong type for it, or a discriminating `const` key differs.
    private func fits(_ issues: [SchemaIssue]) -> Bool {
        !issues.contains { wrongKind($0) || discriminator($0) }
    }

    /// A failure at the value itself that says it is the wrong kind of value: a `type` failure,
    /// a `false` schema, or a `const`/`enum` whose accepted values are all of other types.
    private func wrongKind(_ issue: SchemaIssue) -> Bool {
        guard issue.depth == depth else { return false }
        if issue.keyword == "false" || !issue.expectedTypes.isEmpty { return true }
        let kind = Self.kind(of: value)
        return !issue.expectedValues.isEmpty && issue.expectedValues.allSatisfy { Self.kind(of: $0) != kind }
    }

    private static func kind(of value: JSONValue) -> String {
        value.typeName == "integer" ? "number" : value.typeName
    }

    private func discriminator(_ issue: SchemaIssue) -> Bool {
        issue.depth == depth + 1 && issue.keyword == "const" && !issue.violation.atKey && !issue.expectedValues.isEmpty
    }

    /// Every branch wants another kind of value: `expected `auto` or an integer, got number 3.5`.
    private func combinedExpectations() -> SchemaIssue? {
        var types: JSONTypeSet = []
        var values: [JSONValue] = []
        for issues in branches {
            if let typeIssue = issues.first(where: { $0.depth == depth && !$0.expectedTypes.isEmpty }) {
                types.formUnion(typeIssue.expectedTypes)
                values += typeIssue.expectedValues.filter { !values.contains($0) }
            } else if issues.count == 1, wrongKind(issues[0]), !issues[0].expectedValues.isEmpty {
                values += issues[0].expectedValues.filter { !values.contains($0) }
            } else {
                return nil
            }
        }
        let keyword = values.isEmpty ? "type" : types.isEmpty ? "enum" : keyword
        return issue(keyword, SchemaMessages.expected(values, types, got: value), at: path, values: values, types: types)
    }

    /// Every branch rejects the same key's value: a tagged union with an unknown tag.
    private func combinedDiscriminator() -> SchemaIssue? {
        var key: JSONPath?
        var values: [JSONValue] = []
        for issues in branches {
            guard let issue = issues.first(where: discriminator), key == nil || key == issue.violation.path else { return nil }
            key = issue.violation.path
            values += issue.expectedValues.filter { !values.contains($0) }
        }
        guard let key, let got = value.value(at: JSONPath(Array(key.components.dropFirst(depth)))) else { return nil }
        return issue("const", SchemaMessages.oneOf(values, got: got), at: key, values: values)
    }

    /// Each candidate fails only a `const` or `enum` at the same place: list all accepted values together.
    private func combinedValues(_ candidates: [Int]) -> SchemaIssue? {
        guard candidates.count > 1 else { return nil }
        var values: [JSONValue] = []
        let first = branches[candidates[0]].first?.violation.path
        for index in candidates {
            guard branches[index].count == 1, let issue = branches[index].first, !issue.expectedValues.isEmpty,
                  issue.violation.path == first, !issue.violation.atKey else { return nil }
            values += issue.expectedValues.filter { !values.contains($0) }
        }
        guard let first, let got = value.value(at: JSONPath(Array(first.components.dropFirst(depth)))) else { return nil }
        return issue("enum", SchemaMessages.oneOf(values, got: got), at: first, values: values)
    }

    private func summary() -> SchemaIssue {
        let shown = branches.prefix(6).map { issues -> String in
            guard let first = issues.first else { return "(no details)" }
            let relative = JSONPath(Array(first.violation.path.components.dropFirst(depth)))
            return relative.components.isEmpty ? first.violation.message : "at `\(relative)`: \(first.violation.message)"
        }
        let more = branches.count > 6 ? "; ..." : ""
        let message = "expected a value matching one of \(branches.count) alternatives: " + shown.joined(separator: "; ") + more
        return issue(keyword, message, at: path)
    }

    private func issue(_ keyword: String, _ message: String, at path: JSONPath,
                       values: [JSONValue] = [], types: JSONTypeSet = []) -> SchemaIssue {
        SchemaIssue(violation: SchemaViolation(path: path, keyword: keyword, message: message),
              expectedValues: values, expectedTypes: types)
    }
}
