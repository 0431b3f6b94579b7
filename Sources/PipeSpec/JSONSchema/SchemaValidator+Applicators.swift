extension SchemaValidator {
    /// In-place applicators: allOf, anyOf, oneOf, not, if/then/else, $ref and $dynamicRef.
    mutating func checkApplicator(_ keyword: SchemaKeyword, _ value: JSONValue, _ annotations: inout SchemaAnnotations) -> Bool {
        switch keyword {
        case .allOf(let branches):
            var valid = true
            for branch in branches where !evaluate(branch, value, &annotations) {
                valid = false
                if !reporting { return false }
            }
            return valid
        case .anyOf(let branches):
            var matched = false
            for branch in branches {
                var found = SchemaAnnotations(active: annotations.active)
                guard probe(branch, value, &found) else { continue }
                matched = true
                annotations.merge(found)
                if !annotations.active { break }
            }
            if matched { return true }
            if reporting { reportBestBranch(branches, "anyOf", value, &annotations) }
            return false
        case .oneOf(let branches):
            return checkOneOf(branches, value, &annotations)
        case .not(let schema):
            var none = SchemaAnnotations.inactive
            guard probe(schema, value, &none) else { return true }
            if reporting {
                let location = program.nodes[schema].location
                let pointer = location.firstIndex(of: "#").map { String(location[$0...]) } ?? location
                report("not", "must not match the schema at \(pointer)")
            }
            return false
        case .conditional(let condition, let then, let otherwise):
            if then == nil && otherwise == nil && !annotations.active { return true }
            var found = SchemaAnnotations(active: annotations.active)
            if probe(condition, value, &found) {
                annotations.merge(found)
                return then.map { evaluate($0, value, &annotations) } ?? true
            }
            return otherwise.map { evaluate($0, value, &annotations) } ?? true
        case .ref(let target):
            return evaluate(target, value, &annotations)
        case .dynamicRef(let target, let anchor):
            return evaluate(dynamicTarget(target, anchor), value, &annotations)
        default:
            return true
        }
    }

    private mutating func checkOneOf(_ branches: [Int], _ value: JSONValue, _ annotations: inout SchemaAnnotations) -> Bool {
        var matches: [Int] = []
        var chosen = SchemaAnnotations(active: annotations.active)
        for (index, branch) in branches.enumerated() {
            var found = SchemaAnnotations(active: annotations.active)
            guard probe(branch, value, &found) else { continue }
            matches.append(index)
            if matches.count == 1 { chosen = found } else if !reporting { return false }
        }
        if matches.count == 1 {
            annotations.merge(chosen)
            return true
        }
        guard reporting else { return false }
        if matches.isEmpty {
            reportBestBranch(branches, "oneOf", value, &annotations)
        } else {
            let list = SchemaMessages.alternatives(matches.map(String.init), "and")
            report("oneOf", "matches more than one alternative (branches \(list)); it must match exactly one")
        }
        return false
    }

    /// Where a `$dynamicRef` leads: the outermost resource in the dynamic scope with the anchor, else its static target.
    private func dynamicTarget(_ target: Int, _ anchor: String?) -> Int {
        guard let anchor else { return target }
        for resource in scope {
            if let found = program.dynamicAnchors[resource][anchor] { return found }
        }
        return target
    }

    /// Re-evaluates failed alternatives while reporting, then reports the most plausible one or a summary.
    private mutating func reportBestBranch(_ branches: [Int], _ keyword: String, _ value: JSONValue,
                                           _ annotations: inout SchemaAnnotations) {
        var results: [(issues: [SchemaIssue], annotations: SchemaAnnotations)] = []
        for branch in branches {
            var found = SchemaAnnotations(active: annotations.active)
            let (_, branchIssues) = collect(branch, value, &found)
            results.append((branchIssues, found))
        }
        let choice = BranchChoice(branches: results.map(\.issues), path: JSONPath(path), value: value, keyword: keyword)
        switch choice.outcome() {
        case .branch(let index):
            issues += results[index].issues
            annotations.merge(results[index].annotations)
        case .summary(let issue):
            issues.append(issue)
            // The value is already invalid; counting every branch's keys as evaluated keeps
            // unevaluatedProperties from adding an "unknown key" for each of them.
            for result in results { annotations.merge(result.annotations) }
        }
    }
}
