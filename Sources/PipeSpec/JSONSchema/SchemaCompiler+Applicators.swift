extension SchemaCompiler {
    /// A keyword holding one schema: its node, if the keyword is present.
    private func single(_ members: [String: JSONValue], _ keyword: String) -> Int? {
        members[keyword] == nil ? nil : subschema(keyword)
    }

    /// A keyword holding a non-empty array of schemas, such as `allOf`.
    private func schemaList(_ members: [String: JSONValue], _ keyword: String) throws -> [Int]? {
        guard let value = members[keyword] else { return nil }
        guard case .array(let items) = value, !items.isEmpty else {
            throw expected("a non-empty array of schemas", value, at: keyword)
        }
        return items.indices.map { subschema(keyword, String($0))! }
    }

    /// A keyword holding an object of schemas, such as `properties`, sorted by name.
    private func schemaMap(_ members: [String: JSONValue], _ keyword: String) throws -> [(String, Int)]? {
        guard let value = members[keyword] else { return nil }
        guard case .object(let map) = value else { throw expected("an object of schemas", value, at: keyword) }
        return map.keys.sorted().map { ($0, subschema(keyword, $0)!) }
    }

    func arrayKeywords(_ members: [String: JSONValue]) throws -> [SchemaKeyword] {
        var keywords: [SchemaKeyword] = []
        if let limit = try count(members, "minItems") { keywords.append(.minItems(limit)) }
        if let limit = try count(members, "maxItems") { keywords.append(.maxItems(limit)) }
        if let value = members["uniqueItems"] {
            guard case .bool(let unique) = value else { throw expected("a boolean", value, at: "uniqueItems") }
            if unique { keywords.append(.uniqueItems) }
        }
        let prefix = try schemaList(members, "prefixItems")
        if let prefix { keywords.append(.prefixItems(prefix)) }
        if let items = single(members, "items") { keywords.append(.items(items, from: prefix?.count ?? 0)) }
        let minimum = try count(members, "minContains")
        let maximum = try count(members, "maxContains")
        if let contains = single(members, "contains") { keywords.append(.contains(contains, min: minimum ?? 1, max: maximum)) }
        return keywords
    }

    func objectKeywords(_ members: [String: JSONValue]) throws -> [SchemaKeyword] {
        var keywords: [SchemaKeyword] = []
        if let value = members["required"] { keywords.append(.required(try uniqueStrings(value, at: "required"))) }
        if let limit = try count(members, "minProperties") { keywords.append(.minProperties(limit)) }
        if let limit = try count(members, "maxProperties") { keywords.append(.maxProperties(limit)) }
        if let value = members["dependentRequired"] {
            guard case .object(let map) = value else { throw expected("an object of string arrays", value, at: "dependentRequired") }
            let rules = try map.keys.sorted().map { key in (key, try uniqueStrings(map[key]!, at: "dependentRequired", key)) }
            keywords.append(.dependentRequired(rules))
        }
        let properties = try schemaMap(members, "properties") ?? []
        if !properties.isEmpty { keywords.append(.properties(properties)) }
        var patterns: [(pattern: RegexPattern, schema: Int)] = []
        for (source, schema) in try schemaMap(members, "patternProperties") ?? [] {
            patterns.append((try regex(source, at: "patternProperties", source), schema))
        }
        if !patterns.isEmpty { keywords.append(.patternProperties(patterns)) }
        if let additional = single(members, "additionalProperties") {
            keywords.append(.additionalProperties(additional, declared: Set(properties.map(\.0)), patterns: patterns.map(\.pattern)))
        }
        if let names = single(members, "propertyNames") { keywords.append(.propertyNames(names)) }
        if let rules = try schemaMap(members, "dependentSchemas") { keywords.append(.dependentSchemas(rules)) }
        return keywords
    }

    func combinatorKeywords(_ members: [String: JSONValue]) throws -> [SchemaKeyword] {
        var keywords: [SchemaKeyword] = []
        if let branches = try schemaList(members, "allOf") { keywords.append(.allOf(branches)) }
        if let branches = try schemaList(members, "anyOf") { keywords.append(.anyOf(branches)) }
        if let branches = try schemaList(members, "oneOf") { keywords.append(.oneOf(branches)) }
        if let negated = single(members, "not") { keywords.append(.not(negated)) }
        if let condition = single(members, "if") {
            // Even without then/else, `if` contributes annotations that unevaluated* keywords see.
            keywords.append(.conditional(if: condition, then: single(members, "then"), else: single(members, "else")))
        }
        return keywords
    }

    func unevaluatedKeywords(_ members: [String: JSONValue]) throws -> [SchemaKeyword] {
        var keywords: [SchemaKeyword] = []
        if let items = single(members, "unevaluatedItems") { keywords.append(.unevaluatedItems(items)) }
        if let properties = single(members, "unevaluatedProperties") { keywords.append(.unevaluatedProperties(properties)) }
        return keywords
    }
}
