import CYaml

/// Walks libyaml's event stream (which parses without recursion) to find nesting or alias expansion beyond
/// the limits before Yams composes the node tree, which recurses once per level.
///
/// Each anchored node's expanded size and height are remembered, so an alias costs what it expands to.
struct YAMLShapeCheck {
    struct Violation: Error {
        var location: SourceLocation
        var message: String
    }

    private struct Open {
        var anchor: String?
        var nodes = 1
        var height = 1
    }

    let limits: InputLimits

    /// Throws the first place where the document goes too deep or expands to too many values; syntax
    /// errors end the walk silently, for Yams to report.
    func check(_ text: String) throws(Violation) {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(text.utf8)
        try bytes.withUnsafeMutableBufferPointer { (buffer) throws(Violation) in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            try walk(&parser)
        }
    }

    private func walk(_ parser: inout yaml_parser_t) throws(Violation) {
        var stack: [Open] = []
        var anchors: [String: (nodes: Int, height: Int)] = [:]
        var produced = 0
        func close(_ nodes: Int, _ height: Int) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].nodes += nodes
            stack[stack.count - 1].height = max(stack[stack.count - 1].height, height + 1)
        }
        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else { return }
            defer { yaml_event_delete(&event) }
            let location = SourceLocation(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return
            case YAML_SCALAR_EVENT:
                produced += 1
                if let anchor = Self.name(event.data.scalar.anchor) { anchors[anchor] = (1, 0) }
                close(1, 0)
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                produced += 1
                let anchor = Self.name(event.type == YAML_SEQUENCE_START_EVENT ? event.data.sequence_start.anchor
                                                                                 : event.data.mapping_start.anchor)
                stack.append(Open(anchor: anchor))
                if stack.count > limits.maxDepth {
                    throw Violation(location: location, message: "lists and mappings nest more than \(limits.maxDepth) levels deep here; flatten the file")
                }
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let done = stack.popLast() else { return }
                if let anchor = done.anchor { anchors[anchor] = (done.nodes, done.height) }
                close(done.nodes, done.height)
            case YAML_ALIAS_EVENT:
                guard let name = Self.name(event.data.alias.anchor), let target = anchors[name] else { return }
                produced += target.nodes
                if produced > limits.maxNodes {
                    throw Violation(location: location, message: "aliases expand the file to more than \(limits.maxNodes) values (`*\(name)` here); a pipeline needs far fewer, so remove the nested aliases")
                }
                if stack.count + target.height > limits.maxDepth {
                    throw Violation(location: location, message: "alias `*\(name)` nests lists and mappings more than \(limits.maxDepth) levels deep; flatten the file")
                }
                close(target.nodes, target.height)
            default:
                break
            }
            if produced > limits.maxNodes {
                throw Violation(location: location, message: "the file holds more than \(limits.maxNodes) values; split it up")
            }
        }
    }

    private static func name(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
    }
}
