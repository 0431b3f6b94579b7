/// Decides what to report when no alternative of an `anyOf` or `oneOf` matches.
///
/// Listing every branch's errors buries the useful one, so it reports the single branch that
/// plausibly was meant (the only one whose type fits, else the one that got deepest, else the one
/// with fewest errors) or one summary violation.
struct BranchChoice {
    enum Outcome {
        case branch(Int)
        case summary(Issue)
    }

    let branches: [[Issue]]
    let path: JSONPath
    let value: JSONValue
    let keyword: String

    private var depth: Int { path.components.count }

    func outcome() -> Outcome {
        let fitting = branches.indices.filter { fits(branches[$0]) }
        if fitting.count == 1 { return .branch(fitting[0]) }
        if fitting.isEmpty, let combined = combinedTypes() ?? combinedDiscriminator() { return .summary(combined) }
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
    private func fits(_ issues: [Issue]) -> Bool {
        !issues.contains { rootType($0) || discriminator($0) }
    }

    private func rootType(_ issue: Issue) -> Bool {
        issue.depth == depth && (issue.keyword == "type" || issue.keyword == "false")
    }

    private func discriminator(_ issue: Issue) -> Bool {
        issue.depth == depth + 1 && issue.keyword == "const" && !issue.violation.atKey && !issue.expectedValues.isEmpty
    }

    /// Every branch wants another type: `expected a string or null, got number 3`.
    private func combinedTypes() -> Issue? {
        var types: JSONTypeSet = []
        for issues in branches {
            guard let issue = issues.first(where: rootType), issue.keyword == "type" else { return nil }
            types.formUnion(issue.expectedTypes)
        }
        return issue("type", SchemaMessages.type(types, got: value), at: path, types: types)
    }

    /// Every branch rejects the same key's value: a tagged union with an unknown tag.
    private func combinedDiscriminator() -> Issue? {
        var key: JSONPath?
        var values: [JSONValue] = []
        for issues in branches {
            guard let issue = issues.first(where: discriminator), key == nil || key == issue.violation.path else { return nil }
            key = issue.violation.path
            values += issue.expectedValues.filter { !values.contains($0) }
        }
        guard let key, let got = value.value(at: JSONPath(Array(key.components.suffix(1)))) else { return nil }
        return issue("const", SchemaMessages.oneOf(values, got: got), at: key, values: values)
    }

    /// Each candidate fails only a `const` or `enum` at the same place: list all accepted values together.
    private func combinedValues(_ candidates: [Int]) -> Issue? {
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

    private func summary() -> Issue {
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
                       values: [JSONValue] = [], types: JSONTypeSet = []) -> Issue {
        Issue(violation: SchemaViolation(path: path, keyword: keyword, message: message),
              expectedValues: values, expectedTypes: types)
    }
}
