extension SchemaValidator {
    /// Array keywords: item counts, uniqueness, contains and the item applicators.
    mutating func checkArray(_ keyword: SchemaKeyword, _ items: [JSONValue], _ annotations: inout SchemaAnnotations) -> Bool {
        switch keyword {
        case .minItems(let limit):
            guard items.count < limit else { return true }
            if reporting {
                report("minItems", limit == 1 ? "expected a non-empty array"
                       : "expected at least \(limit) items, got \(items.count)")
            }
            return false
        case .maxItems(let limit):
            guard items.count > limit else { return true }
            if reporting { report("maxItems", "expected at most \(SchemaMessages.count(limit, "item")), got \(items.count)") }
            return false
        case .uniqueItems:
            return checkUnique(items)
        case .contains(let schema, let min, let max):
            return checkContains(schema, min: min, max: max, items, &annotations)
        case .prefixItems(let schemas):
            var valid = true
            for (index, schema) in zip(items.indices, schemas) where !evaluate(schema, items[index], at: .index(index)) {
                valid = false
                if !reporting { return false }
            }
            if annotations.active { annotations.itemPrefix = max(annotations.itemPrefix, min(items.count, schemas.count)) }
            return valid
        case .items(let schema, let start):
            var valid = true
            for index in items.indices.dropFirst(start) where !evaluate(schema, items[index], at: .index(index)) {
                valid = false
                if !reporting { return false }
            }
            if annotations.active { annotations.allItems = true }
            return valid
        case .unevaluatedItems(let schema):
            var valid = true
            for index in items.indices where !annotations.evaluated(index: index) {
                if evaluate(schema, items[index], at: .index(index)) { continue }
                valid = false
                if !reporting { return false }
            }
            annotations.allItems = true
            return valid
        default:
            return true
        }
    }

    private mutating func checkUnique(_ items: [JSONValue]) -> Bool {
        guard items.count > 1 else { return true }
        var firstIndex: [JSONValue: Int] = [:]
        firstIndex.reserveCapacity(items.count)
        var valid = true
        for (index, item) in items.enumerated() {
            guard let earlier = firstIndex[item] else {
                firstIndex[item] = index
                continue
            }
            if item.hasNonASCIIText && !item.hasSameCodePoints(as: items[earlier]) { continue }
            valid = false
            guard reporting else { return false }
            path.append(.index(index))
            report("uniqueItems", "duplicate of item [\(earlier)]; expected unique items")
            path.removeLast()
        }
        return valid
    }

    private mutating func checkContains(_ schema: Int, min: Int, max: Int?, _ items: [JSONValue],
                                        _ annotations: inout SchemaAnnotations) -> Bool {
        var matches = 0
        let needAll = annotations.active || max != nil
        for (index, item) in items.enumerated() {
            var none = SchemaAnnotations.inactive
            guard probe(schema, item, &none) else { continue }
            matches += 1
            if annotations.active { annotations.items.insert(index) }
            if !needAll && matches >= min { break }
        }
        if matches >= min, matches <= (max ?? .max) { return true }
        guard reporting else { return false }
        let what = "matching the `contains` schema"
        if matches < min {
            report(min == 1 ? "contains" : "minContains", min == 1 ? "expected at least one item \(what)"
                   : "expected at least \(min) items \(what), got \(matches)")
        } else {
            report("maxContains", "expected at most \(SchemaMessages.count(max ?? 0, "item")) \(what), got \(matches)")
        }
        return false
    }
}
