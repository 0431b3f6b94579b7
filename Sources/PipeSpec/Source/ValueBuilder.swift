import Yams

/// Turns a Yams node tree into a `JSONValue`, recording locations and reporting duplicate or complex keys.
struct ValueBuilder {
    let file: String
    var valueLocations: [JSONPath: SourceLocation] = [:]
    var keyLocations: [JSONPath: SourceLocation] = [:]
    var diagnostics: [Diagnostic] = []

    init(file: String) { self.file = file }

    mutating func convert(_ node: Node, at path: JSONPath) -> JSONValue {
        if let mark = node.mark { valueLocations[path] = SourceLocation(line: mark.line, column: mark.column) }
        switch node {
        case .scalar(let scalar):
            return scalar.style == .plain || scalar.style == .any
                ? ScalarResolver.resolve(plain: scalar.string) : .string(scalar.string)
        case .sequence(let sequence):
            return .array(sequence.enumerated().map { convert($0.element, at: path.appending($0.offset)) })
        case .mapping(let mapping):
            return .object(convertMapping(mapping, at: path))
        }
    }

    private mutating func convertMapping(_ mapping: Node.Mapping, at path: JSONPath) -> [String: JSONValue] {
        var members: [String: JSONValue] = [:]
        var firstSeen: [String: SourceLocation] = [:]
        var merged: [String: JSONValue] = [:]
        for (keyNode, valueNode) in mapping {
            let keyLocation = keyNode.mark.map { SourceLocation(line: $0.line, column: $0.column) } ?? .start
            guard case .scalar(let keyScalar) = keyNode else {
                diagnostics.append(Diagnostic(file: file, location: keyLocation,
                                              message: "\(prefix(path))a key must be a plain name, not a list or mapping"))
                continue
            }
            let key = keyScalar.string
            if key == "<<", keyScalar.style == .plain {
                mergeKeys(from: valueNode, at: path, into: &merged)
                continue
            }
            if let first = firstSeen[key] {
                diagnostics.append(Diagnostic(file: file, location: keyLocation,
                                              message: "\(path.appending(key)): duplicate key `\(key)`; it is first defined at line \(first.line); remove one of them"))
                var scratch = ValueBuilder(file: file)
                _ = scratch.convert(valueNode, at: path.appending(key))
                diagnostics += scratch.diagnostics
                continue
            }
            firstSeen[key] = keyLocation
            keyLocations[path.appending(key)] = keyLocation
            members[key] = convert(valueNode, at: path.appending(key))
        }
        for (key, value) in merged where members[key] == nil { members[key] = value }
        return members
    }

    /// Applies a YAML merge key (`<<: *defaults`): explicit keys win over merged ones.
    private mutating func mergeKeys(from node: Node, at path: JSONPath, into merged: inout [String: JSONValue]) {
        let sources: [Node]
        switch node {
        case .mapping: sources = [node]
        case .sequence(let sequence): sources = Array(sequence)
        case .scalar:
            let location = node.mark.map { SourceLocation(line: $0.line, column: $0.column) }
            diagnostics.append(Diagnostic(file: file, location: location,
                                          message: "\(prefix(path))`<<` merges a mapping or a list of mappings, not a scalar"))
            return
        }
        for source in sources {
            guard case .mapping(let mapping) = source else { continue }
            var scratch = ValueBuilder(file: file)
            for (key, value) in scratch.convertMapping(mapping, at: path) where merged[key] == nil {
                merged[key] = value
            }
            diagnostics += scratch.diagnostics
        }
    }

    private func prefix(_ path: JSONPath) -> String { path.components.isEmpty ? "" : "\(path): " }
}
