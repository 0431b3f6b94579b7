import Foundation

/// Holds every loaded schema resource by URI, and compiles and links them.
///
/// Schemas compiled by one registry can `$ref` each other; documents a `$ref` names that are not
/// loaded yet come from the loader, or from disk for `file:` URIs.
public final class SchemaRegistry {
    /// A schema resource: a document root or a subschema with its own `$id`.
    struct Resource {
        var uri: String
        var root: JSONValue
        var documentURI: String
        var pointer: [String]
        var dynamicAnchors: [String: Int] = [:]
    }

    /// What compiling a node needs to know about where its schema sits.
    struct Slot {
        var json: JSONValue
        var base: URIReference
        var resource: Int
        var documentURI: String
        var pointer: [String]
        /// Subschemas directly below, by relative pointer (`/properties/a`).
        var children: [String: Int] = [:]

        var location: String { documentURI + "#" + JSONPointer.text(pointer) }
    }

    /// Everything loaded so far; a failed load restores the previous state.
    struct State {
        var nodes: [SchemaNode] = []
        var slots: [Slot] = []
        var resources: [Resource] = []
        var resourceIDs: [String: Int] = [:]
        var locations: [String: Int] = [:]
        var anchors: [String: Int] = [:]
        var documents: [String: (json: JSONValue, root: Int)] = [:]
        var pending: [Int] = []
        var usesDynamicRef = false
    }

    let loader: (@Sendable (String) throws -> JSONValue?)?
    var state = State()
    private var program: SchemaProgram?

    /// `loader` fetches a document for an absolute URI (no fragment) that no loaded resource has; nil = not available.
    public init(loader: (@Sendable (String) throws -> JSONValue?)? = nil) {
        self.loader = loader
    }

    /// Compiles a schema document with the given base URI, registering its resources and resolving every `$ref`.
    ///
    /// Loading the same document under the same URI again returns the schema compiled the first time.
    public func load(_ document: JSONValue, baseURI: String) throws -> Schema {
        let uri = URIReference(baseURI).withoutFragment
        guard uri.isAbsolute else {
            throw SchemaError(location: baseURI, message: "the base URI of a schema must be absolute")
        }
        if let loaded = state.documents[uri.description] {
            guard loaded.json == document else {
                throw SchemaError(location: uri.description, message: "a different schema is already loaded with this URI")
            }
            return Schema(program: currentProgram(), root: loaded.root)
        }
        let saved = state
        do {
            let root = try index(document: document, uri: uri.description)
            try compilePending()
            return Schema(program: currentProgram(), root: root)
        } catch {
            state = saved
            throw error
        }
    }

    /// Loads a schema file from disk (JSON); its base URI is its `file://` URL.
    public func load(file path: String) throws -> Schema {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        return try load(try Self.readDocument(url, path: path), baseURI: url.absoluteString)
    }

    static func readDocument(_ url: URL, path: String) throws -> JSONValue {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw SchemaError(location: path, message: "cannot read the schema file: \(error.localizedDescription)")
        }
        do {
            return try JSONValue.parse(data)
        } catch let error as JSONDepthCheck.TooDeep {
            throw SchemaError(location: path, message: "the schema file cannot be used: its \(error)")
        } catch DecodingError.dataCorrupted(let context) {
            let detail = context.underlyingError.map { ": \($0.localizedDescription)" } ?? ""
            throw SchemaError(location: path, message: "the schema file is not valid JSON\(detail)")
        } catch {
            throw SchemaError(location: path, message: "the schema file is not valid JSON: \(error)")
        }
    }

    private func currentProgram() -> SchemaProgram {
        if let program, program.nodes.count == state.nodes.count { return program }
        let made = SchemaProgram(nodes: state.nodes, dynamicAnchors: state.resources.map(\.dynamicAnchors),
                                 usesDynamicRef: state.usesDynamicRef)
        program = made
        return made
    }

    /// Compiles every indexed but not yet compiled node; compiling can index more documents.
    private func compilePending() throws {
        var next = 0
        while next < state.pending.count {
            let id = state.pending[next]
            next += 1
            let slot = state.slots[id]
            let compiler = SchemaCompiler(json: slot.json, location: slot.location, children: slot.children,
                                          resolve: { ref, keyword in try self.resolve(ref, from: id, keyword: keyword) },
                                          dynamicAnchorOf: { self.state.slots[$0].json["$dynamicAnchor"]?.stringValue })
            var node = try compiler.compile()
            node.resource = slot.resource
            state.nodes[id] = node
            if slot.json["$dynamicRef"] != nil { state.usesDynamicRef = true }
        }
        let batch = state.pending
        state.pending = []
        try SchemaCycleCheck(nodes: state.nodes, locations: state.slots.map(\.location)).check(batch)
    }
}
