import Foundation

extension SchemaRegistry {
    /// Finds the schema a `$ref` or `$dynamicRef` of node `id` names, loading remote documents as needed.
    func resolve(_ ref: String, from id: Int, keyword: String) throws -> Int {
        let slot = state.slots[id]
        let location = slot.location + "/" + keyword
        func failure(_ reason: String) -> SchemaError {
            SchemaError(location: location, message: "cannot resolve \(JSONValue.string(ref).canonicalText): \(reason)")
        }
        let target = URIReference(ref).resolved(against: slot.base)
        let uri = target.withoutFragment.description
        let fragment = target.fragment ?? ""
        if state.resourceIDs[uri] == nil {
            try loadRemote(uri, failure)
        }
        guard let resource = state.resourceIDs[uri] else { throw failure("no schema document at \(uri)") }
        guard fragment.isEmpty || fragment.hasPrefix("/") else {
            let name = JSONPointer.percentDecoded(fragment) ?? fragment
            guard let node = state.anchors[uri + "#" + name] else { throw failure("no anchor `\(name)` in \(uri)") }
            return node
        }
        guard let pointer = JSONPointer.percentDecoded(fragment), let tokens = JSONPointer.tokens(pointer) else {
            throw failure("the fragment is not a valid JSON pointer")
        }
        if let node = state.locations[uri + "#" + JSONPointer.text(tokens)] { return node }
        let known = state.resources[resource]
        guard let json = JSONPointer.resolve(tokens, in: known.root) else {
            throw failure("there is nothing at \(pointer) in \(uri)")
        }
        // A location no schema keyword leads to (e.g. under an unknown keyword) is compiled on first use.
        return try walk(json, documentURI: known.documentURI, pointer: known.pointer + tokens,
                        base: URIReference(known.uri), scopes: [(resource, known.pointer.count)])
    }

    private func loadRemote(_ uri: String, _ failure: (String) -> SchemaError) throws {
        var document: JSONValue?
        if let loader {
            do {
                document = try loader(uri)
            } catch {
                throw failure("loading \(uri) failed: \(error)")
            }
        }
        if document == nil, uri.hasPrefix("file:"), let url = URL(string: uri), FileManager.default.fileExists(atPath: url.path) {
            document = try Self.readDocument(url, path: url.path)
        }
        guard let document else { throw failure("no schema document at \(uri)") }
        _ = try index(document: document, uri: uri)
    }
}
