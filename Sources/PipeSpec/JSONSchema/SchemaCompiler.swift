/// Turns one schema (object or boolean) into a compiled node, checking every keyword's value.
///
/// Subschemas were already indexed, so they arrive as node indices in `children`;
/// `resolve` turns a `$ref` value (and the keyword holding it) into a node index.
/// `dynamicAnchorOf` tells whether a `$dynamicRef` target is marked for dynamic resolution.
struct SchemaCompiler {
    let json: JSONValue
    let location: String
    let children: [String: Int]
    let resolve: (String, String) throws -> Int
    /// The `$dynamicAnchor` name of a node's schema, if it has one.
    let dynamicAnchorOf: (Int) -> String?

    func compile() throws -> SchemaNode {
        switch json {
        case .bool(let result):
            return SchemaNode(body: .always(result), resource: 0, location: location)
        case .object(let members):
            try checkIdentifiers(members)
            var keywords = try valueKeywords(members)
            keywords += try referenceKeywords(members)
            keywords += try numberKeywords(members) + stringKeywords(members)
            keywords += try arrayKeywords(members) + objectKeywords(members)
            keywords += try combinatorKeywords(members)
            let unevaluated = try unevaluatedKeywords(members)
            var node = SchemaNode(body: .keywords(keywords + unevaluated), resource: 0, location: location)
            node.needsAnnotations = !unevaluated.isEmpty
            node.declaredProperties = members["properties"]?.objectValue?.keys.sorted() ?? []
            return node
        default:
            throw SchemaError(location: location, message: "expected a schema (an object or boolean), got \(json.shortDescription)")
        }
    }

    // MARK: Keyword value checks

    func failure(_ tokens: [String], _ message: String) -> SchemaError {
        SchemaError(location: location + JSONPointer.text(tokens), message: message)
    }

    func expected(_ what: String, _ value: JSONValue, at tokens: String...) -> SchemaError {
        failure(tokens, "expected \(what), got \(value.shortDescription)")
    }

    func number(_ members: [String: JSONValue], _ keyword: String) throws -> Double? {
        guard let value = members[keyword] else { return nil }
        guard case .number(let n) = value else { throw expected("a number", value, at: keyword) }
        return n
    }

    /// A non-negative integer such as `minLength`; huge values saturate instead of trapping.
    func count(_ members: [String: JSONValue], _ keyword: String) throws -> Int? {
        guard let value = members[keyword] else { return nil }
        guard case .number(let n) = value, n >= 0, n.rounded() == n else {
            throw expected("a non-negative integer", value, at: keyword)
        }
        return n >= 9.0e18 ? Int.max : Int(n)
    }

    func uniqueStrings(_ value: JSONValue, at tokens: String...) throws -> [String] {
        guard case .array(let items) = value else { throw failure(tokens, "expected an array of strings, got \(value.shortDescription)") }
        var seen = Set<String>()
        for (index, item) in items.enumerated() {
            guard case .string(let s) = item else { throw failure(tokens + [String(index)], "expected a string, got \(item.shortDescription)") }
            guard seen.insert(s).inserted else { throw failure(tokens + [String(index)], "`\(s)` is listed twice") }
        }
        return items.compactMap(\.stringValue)
    }

    func regex(_ source: String, at tokens: String...) throws -> RegexPattern {
        do {
            return try RegexPattern(source)
        } catch {
            throw failure(tokens, "\(SchemaMessages.json(source)) is not a valid regular expression")
        }
    }

    /// The compiled subschema under `tokens`, e.g. `["properties", "a"]`.
    func subschema(_ tokens: String...) -> Int? { children[JSONPointer.text(tokens)] }

    // MARK: Keywords

    private func checkIdentifiers(_ members: [String: JSONValue]) throws {
        for keyword in ["$id", "$schema", "$anchor", "$dynamicAnchor", "$comment"] {
            if let value = members[keyword], value.stringValue == nil { throw expected("a string", value, at: keyword) }
        }
        if let id = members["$id"]?.stringValue, let fragment = URIReference(id).fragment, !fragment.isEmpty {
            throw failure(["$id"], "`$id` must not have a fragment; name locations with `$anchor`")
        }
        for keyword in ["$defs", "definitions"] {
            if let value = members[keyword], value.objectValue == nil { throw expected("an object of schemas", value, at: keyword) }
        }
    }

    private func valueKeywords(_ members: [String: JSONValue]) throws -> [SchemaKeyword] {
        var keywords: [SchemaKeyword] = []
        if let value = members["type"] { keywords.append(.type(try types(value))) }
        if let value = members["enum"] {
            guard case .array(let values) = value else { throw expected("an array", value, at: "enum") }
            keywords.append(.enumeration(values, lookup: Set(values)))
        }
        if let value = members["const"] { keywords.append(.constant(value)) }
        return keywords
    }

    private func types(_ value: JSONValue) throws -> JSONTypeSet {
        func named(_ item: JSONValue, _ tokens: String...) throws -> JSONTypeSet {
            guard case .string(let name) = item else { throw failure(tokens, "expected a type name, got \(item.shortDescription)") }
            if let type = JSONTypeSet(name: name) { return type }
            let hint = closestName(to: name, among: JSONTypeSet.named.map(\.name)).map { " (did you mean `\($0)`?)" } ?? ""
            throw failure(tokens, "unknown type name \(SchemaMessages.json(name))\(hint)")
        }
        guard case .array(let items) = value else { return try named(value, "type") }
        var set: JSONTypeSet = []
        for (index, item) in items.enumerated() {
            let type = try named(item, "type", String(index))
            guard !set.contains(type) else { throw failure(["type", String(index)], "type `\(item.stringValue!)` is listed twice") }
            set.formUnion(type)
        }
        return set
    }

    private func referenceKeywords(_ members: [String: JSONValue]) throws -> [SchemaKeyword] {
        var keywords: [SchemaKeyword] = []
        for keyword in ["$ref", "$dynamicRef"] {
            guard let value = members[keyword] else { continue }
            guard case .string(let ref) = value else { throw expected("a string", value, at: keyword) }
            let target = try resolve(ref, keyword)
            keywords.append(keyword == "$ref" ? .ref(target) : .dynamicRef(target, anchor: dynamicAnchor(ref, target)))
        }
        return keywords
    }

    /// The anchor a `$dynamicRef` searches the dynamic scope for: only when its fragment names
    /// a `$dynamicAnchor` that its static target carries; otherwise it acts like `$ref`.
    private func dynamicAnchor(_ ref: String, _ target: Int) -> String? {
        guard let fragment = URIReference(ref).fragment, !fragment.isEmpty, !fragment.hasPrefix("/"),
              dynamicAnchorOf(target) == fragment else { return nil }
        return fragment
    }

    private func numberKeywords(_ members: [String: JSONValue]) throws -> [SchemaKeyword] {
        var keywords: [SchemaKeyword] = []
        if let divisor = try number(members, "multipleOf") {
            guard divisor > 0 else { throw failure(["multipleOf"], "expected a number > 0, got \(SchemaMessages.number(divisor))") }
            keywords.append(.multipleOf(divisor))
        }
        for kind in [NumericBound.Kind.minimum, .exclusiveMinimum, .maximum, .exclusiveMaximum] {
            if let limit = try number(members, kind.rawValue) { keywords.append(.bound(NumericBound(kind: kind, limit: limit))) }
        }
        return keywords
    }

    private func stringKeywords(_ members: [String: JSONValue]) throws -> [SchemaKeyword] {
        var keywords: [SchemaKeyword] = []
        if let limit = try count(members, "minLength") { keywords.append(.minLength(limit)) }
        if let limit = try count(members, "maxLength") { keywords.append(.maxLength(limit)) }
        if let value = members["pattern"] {
            guard case .string(let source) = value else { throw expected("a string", value, at: "pattern") }
            keywords.append(.pattern(try regex(source, at: "pattern")))
        }
        return keywords
    }
}
