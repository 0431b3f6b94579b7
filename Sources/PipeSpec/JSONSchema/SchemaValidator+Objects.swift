extension SchemaValidator {
    /// Object keywords: key counts, required keys and the property applicators.
    mutating func checkObject(_ keyword: SchemaKeyword, of id: Int, _ members: [String: JSONValue], _ value: JSONValue,
                              _ annotations: inout SchemaAnnotations) -> Bool {
        switch keyword {
        case .minProperties(let limit):
            guard members.count < limit else { return true }
            if reporting {
                report("minProperties", limit == 1 ? "expected a non-empty object"
                       : "expected at least \(limit) keys, got \(members.count)")
            }
            return false
        case .maxProperties(let limit):
            guard members.count > limit else { return true }
            if reporting { report("maxProperties", "expected at most \(SchemaMessages.count(limit, "key")), got \(members.count)") }
            return false
        case .required(let names):
            var valid = true
            for name in names where members[name] == nil {
                valid = false
                guard reporting else { return false }
                report("required", "missing required key `\(name)`")
            }
            return valid
        case .dependentRequired(let rules):
            var valid = true
            for rule in rules where members[rule.key] != nil {
                for name in rule.required where members[name] == nil {
                    valid = false
                    guard reporting else { return false }
                    report("dependentRequired", "missing key `\(name)`, required when `\(rule.key)` is present")
                }
            }
            return valid
        case .dependentSchemas(let rules):
            var valid = true
            for rule in rules where members[rule.key] != nil && !evaluate(rule.schema, value, &annotations) {
                valid = false
                if !reporting { return false }
            }
            return valid
        case .properties(let schemas):
            var valid = true
            for entry in schemas {
                guard let member = members[entry.name] else { continue }
                if annotations.active { annotations.properties.insert(entry.name) }
                if case .always(false) = program.nodes[entry.schema].body {
                    if reporting { report("false", "key `\(entry.name)` is not allowed here", key: entry.name) }
                } else if evaluate(entry.schema, member, at: .key(entry.name)) {
                    continue
                }
                valid = false
                if !reporting { return false }
            }
            if annotations.active { annotations.declaredBy.append(id) }
            return valid
        case .patternProperties(let rules):
            var valid = true
            for key in keys(of: members) {
                for rule in rules where rule.pattern.matches(key) {
                    if annotations.active { annotations.properties.insert(key) }
                    if evaluate(rule.schema, members[key]!, at: .key(key)) { continue }
                    valid = false
                    if !reporting { return false }
                }
            }
            return valid
        case .additionalProperties(let schema, let declared, let patterns):
            var valid = true
            for key in keys(of: members) where !declared.contains(key) && !patterns.contains(where: { $0.matches(key) }) {
                if checkExtra(schema, key, members[key]!, keyword: "additionalProperties",
                              declared: program.nodes[id].declaredProperties, open: !patterns.isEmpty) { continue }
                valid = false
                if !reporting { return false }
            }
            if annotations.active { annotations.allProperties = true }
            return valid
        case .propertyNames(let schema):
            return checkPropertyNames(schema, members)
        case .unevaluatedProperties(let schema):
            var valid = true
            var declared: [String]?
            for key in keys(of: members) where !annotations.evaluated(key: key) {
                if reporting && declared == nil { declared = declaredNames(id, annotations) }
                if checkExtra(schema, key, members[key]!, keyword: "unevaluatedProperties", declared: declared ?? [], open: false) {
                    continue
                }
                valid = false
                if !reporting { return false }
            }
            annotations.allProperties = true
            return valid
        default:
            return true
        }
    }

    /// Object keys, sorted while reporting so violations come out in a stable order.
    private func keys(of members: [String: JSONValue]) -> [String] {
        reporting ? members.keys.sorted() : Array(members.keys)
    }

    /// Applies `additionalProperties`/`unevaluatedProperties` to one key; `false` reads as an unknown key.
    private mutating func checkExtra(_ schema: Int, _ key: String, _ member: JSONValue, keyword: String,
                                     declared: [String], open: Bool) -> Bool {
        if case .always(false) = program.nodes[schema].body {
            if reporting { report(keyword, SchemaMessages.unknownKey(key, declared: declared, open: open), key: key) }
            return false
        }
        return evaluate(schema, member, at: .key(key))
    }

    private func declaredNames(_ id: Int, _ annotations: SchemaAnnotations) -> [String] {
        var names = Set(program.nodes[id].declaredProperties)
        for other in annotations.declaredBy { names.formUnion(program.nodes[other].declaredProperties) }
        return names.sorted()
    }

    private mutating func checkPropertyNames(_ schema: Int, _ members: [String: JSONValue]) -> Bool {
        var valid = true
        for key in keys(of: members) {
            guard reporting else {
                if !evaluate(schema, .string(key), at: .key(key)) { return false }
                continue
            }
            path.append(.key(key))
            var none = SchemaAnnotations.inactive
            let (ok, found) = collect(schema, .string(key), &none)
            path.removeLast()
            if ok { continue }
            valid = false
            for var issue in found {
                issue.violation.atKey = true
                issue.violation.message = "invalid key `\(key)`: " + issue.violation.message
                issues.append(issue)
            }
        }
        return valid
    }
}
