import Foundation

extension SchemaRegistry {
    static let singleSchemaKeywords = ["additionalProperties", "propertyNames", "unevaluatedProperties", "unevaluatedItems",
                                       "items", "contains", "not", "if", "then", "else"]
    static let schemaArrayKeywords = ["allOf", "anyOf", "oneOf", "prefixItems"]
    static let schemaMapKeywords = ["properties", "patternProperties", "dependentSchemas", "$defs", "definitions"]

    /// Registers a whole document under `uri` and indexes its schemas; returns the root node.
    func index(document: JSONValue, uri: String) throws -> Int {
        let resource = try addResource(uri, root: document, documentURI: uri, pointer: [])
        let root = try walk(document, documentURI: uri, pointer: [], base: URIReference(uri), scopes: [(resource, 0)])
        state.documents[uri] = (document, root)
        return root
    }

    /// Indexes one schema and, through the keywords that hold schemas, everything below it.
    ///
    /// `scopes` are the enclosing resources with the pointer depth of their roots, so each schema
    /// is reachable by a JSON pointer from every resource around it.
    func walk(_ json: JSONValue, documentURI: String, pointer: [String], base: URIReference,
              scopes: [(resource: Int, depth: Int)]) throws -> Int {
        var base = base
        var scopes = scopes
        let members = json.objectValue ?? [:]
        if case .string(let text)? = members["$id"] {
            var id = URIReference(text)
            if id.fragment == "" { id.fragment = nil }
            if id.fragment == nil {
                base = id.resolved(against: base)
                let resource = try addResource(base.description, root: json, documentURI: documentURI, pointer: pointer)
                if resource != scopes.last?.resource { scopes.append((resource, pointer.count)) }
            }
        }
        let id = state.nodes.count
        state.nodes.append(.placeholder)
        state.slots.append(Slot(json: json, base: base, resource: scopes.last!.resource, documentURI: documentURI, pointer: pointer))
        state.pending.append(id)
        for scope in scopes {
            let key = state.resources[scope.resource].uri + "#" + JSONPointer.text(Array(pointer[scope.depth...]))
            if state.locations[key] == nil { state.locations[key] = id }
        }
        guard !members.isEmpty else { return id }
        try registerAnchors(members, of: id, base: base, resource: scopes.last!.resource)

        var children: [String: Int] = [:]
        func child(_ value: JSONValue, _ tokens: String...) throws {
            children[JSONPointer.text(tokens)] = try walk(value, documentURI: documentURI, pointer: pointer + tokens,
                                                          base: base, scopes: scopes)
        }
        for keyword in Self.singleSchemaKeywords {
            if let value = members[keyword] { try child(value, keyword) }
        }
        for keyword in Self.schemaArrayKeywords {
            guard case .array(let items)? = members[keyword] else { continue }
            for (index, item) in items.enumerated() { try child(item, keyword, String(index)) }
        }
        for keyword in Self.schemaMapKeywords {
            guard case .object(let map)? = members[keyword] else { continue }
            for name in map.keys.sorted() { try child(map[name]!, keyword, name) }
        }
        state.slots[id].children = children
        return id
    }

    private func registerAnchors(_ members: [String: JSONValue], of id: Int, base: URIReference, resource: Int) throws {
        for keyword in ["$anchor", "$dynamicAnchor"] {
            guard case .string(let name)? = members[keyword] else { continue }
            guard Self.isAnchorName(name) else {
                throw SchemaError(location: state.slots[id].location + "/" + keyword,
                                  message: "\(SchemaMessages.json(name)) is not a valid anchor name")
            }
            let key = base.withoutFragment.description + "#" + name
            if let other = state.anchors[key] {
                if state.slots[other].location == state.slots[id].location { continue }
                throw SchemaError(location: state.slots[id].location + "/" + keyword,
                                  message: "anchor `\(name)` is already defined at \(state.slots[other].location)")
            }
            state.anchors[key] = id
            if keyword == "$dynamicAnchor" { state.resources[resource].dynamicAnchors[name] = id }
        }
    }

    static func isAnchorName(_ name: String) -> Bool {
        func letter(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_" }
        guard let first = name.unicodeScalars.first, letter(first) else { return false }
        return name.unicodeScalars.allSatisfy { letter($0) || ("0"..."9").contains($0) || "-.".unicodeScalars.contains($0) }
    }

    private func addResource(_ uri: String, root: JSONValue, documentURI: String, pointer: [String]) throws -> Int {
        if let existing = state.resourceIDs[uri] {
            let known = state.resources[existing]
            if known.documentURI == documentURI && known.pointer == pointer { return existing }
            throw SchemaError(location: documentURI + "#" + JSONPointer.text(pointer) + (pointer.isEmpty ? "" : "/$id"),
                              message: "`\(uri)` is already the URI of the schema at \(known.documentURI)#\(JSONPointer.text(known.pointer))")
        }
        state.resources.append(Resource(uri: uri, root: root, documentURI: documentURI, pointer: pointer))
        state.resourceIDs[uri] = state.resources.count - 1
        return state.resources.count - 1
    }
}
