/// Replaces `${params.a.b}` and `${matrix.axis}` references inside stage parameters.
///
/// A string that is exactly one reference takes the referenced value with its type, so
/// `image_size: ${params.size}` stays a number; a reference inside longer text is spliced in as text.
/// `$${` writes a literal `${`.
struct Interpolator {
    let params: JSONValue
    let matrix: [String: JSONValue]?

    struct Failure: Error {
        var message: String
    }

    /// Resolves every string inside `value`, reporting each failure with its path.
    func resolve(_ value: JSONValue, at path: JSONPath, failures: inout [(JSONPath, String)]) -> JSONValue {
        switch value {
        case .string(let text) where text.contains("${"):
            do {
                return try resolve(text)
            } catch let failure as Failure {
                failures.append((path, failure.message))
                return value
            } catch {
                failures.append((path, "\(error)"))
                return value
            }
        case .array(let items):
            return .array(items.enumerated().map { resolve($0.element, at: path.appending($0.offset), failures: &failures) })
        case .object(let members):
            var out: [String: JSONValue] = [:]
            for (key, member) in members { out[key] = resolve(member, at: path.appending(key), failures: &failures) }
            return .object(out)
        default:
            return value
        }
    }

    func resolve(_ text: String) throws -> JSONValue {
        let pieces = try Self.split(text)
        if pieces.count == 1, case .reference(let ref) = pieces[0] { return try lookup(ref) }
        var out = ""
        for piece in pieces {
            switch piece {
            case .literal(let s): out += s
            case .reference(let ref):
                switch try lookup(ref) {
                case .string(let s): out += s
                case .number(let n): out += JSONValue.numberText(n)
                case .bool(let b): out += b ? "true" : "false"
                case .null: out += "null"
                case .array, .object:
                    throw Failure(message: "`${\(ref)}` is a list or mapping and cannot be spliced into text; make it the whole value")
                }
            }
        }
        return .string(out)
    }

    enum Piece: Equatable {
        case literal(String)
        case reference(String)
    }

    static func split(_ text: String) throws -> [Piece] {
        var pieces: [Piece] = []
        var literal = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            literal += rest[..<dollar]
            let after = rest[rest.index(after: dollar)...]
            if after.hasPrefix("${") {
                literal += "${"
                rest = after.dropFirst(2)
            } else if after.hasPrefix("{") {
                guard let close = after.firstIndex(of: "}") else {
                    throw Failure(message: "`${` without a closing `}` in \(JSONValue.string(text).canonicalText)")
                }
                if !literal.isEmpty { pieces.append(.literal(literal)) }
                literal = ""
                pieces.append(.reference(after[after.index(after: after.startIndex)..<close].trimmingCharacters(in: .whitespaces)))
                rest = after[after.index(after: close)...]
            } else {
                literal += "$"
                rest = after
            }
        }
        literal += rest
        if !literal.isEmpty || pieces.isEmpty { pieces.append(.literal(literal)) }
        return pieces
    }

    private func lookup(_ reference: String) throws -> JSONValue {
        let parts = reference.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, parts.allSatisfy({ !$0.isEmpty }) else {
            throw Failure(message: "`${\(reference)}` is not a reference; write `${params.NAME}` or `${matrix.AXIS}`")
        }
        var current: JSONValue
        switch parts[0] {
        case "params": current = params
        case "matrix":
            guard let matrix else {
                throw Failure(message: "`${\(reference)}` refers to a matrix, but this stage has no `matrix`")
            }
            current = .object(matrix)
        default:
            throw Failure(message: "`${\(reference)}` does not resolve: unknown namespace `\(parts[0])`; use `params` or `matrix`")
        }
        var walked = parts[0]
        for part in parts.dropFirst() {
            if case .array(let items) = current {
                guard let index = Int(part), items.indices.contains(index) else {
                    throw Failure(message: "`${\(reference)}` does not resolve: `\(walked)` is a list of \(items.count); `\(part)` is not an index in it")
                }
                current = items[index]
            } else if case .object(let members) = current {
                guard let next = members[part] else {
                    let hint = closestName(to: part, among: members.keys.sorted()).map { " (did you mean `\($0)`?)" } ?? ""
                    throw Failure(message: "`${\(reference)}` does not resolve: `\(walked)` has no key `\(part)`\(hint)")
                }
                current = next
            } else {
                throw Failure(message: "`${\(reference)}` does not resolve: `\(walked)` is \(current.shortDescription), not a mapping")
            }
            walked += "." + part
        }
        return current
    }
}
