/// A `--set PATH=VALUE` override of one value in a pipeline file, applied before validation.
///
/// `PATH` is dotted (`params.lr`, `stages.split.with.train`); `VALUE` is read as YAML, so `0.7` is a
/// number, `[a, b]` a list and `'0.7'` a string; text that is not valid YAML (`?`, `a: b: c`) is a string.
public struct Override: Sendable, Equatable {
    public var path: [String]
    public var value: JSONValue
    public var text: String

    /// Parses `PATH=VALUE`; nil with a reason when it is not of that form.
    public static func parse(_ text: String) -> (Override?, String?) {
        guard let equals = text.firstIndex(of: "=") else {
            return (nil, "`--set \(text)` needs the form PATH=VALUE, e.g. --set params.lr=0.001")
        }
        let path = text[..<equals].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !path.isEmpty, path.allSatisfy({ !$0.isEmpty }) else {
            return (nil, "`--set \(text)`: the path before `=` must be dotted names, e.g. stages.split.with.train")
        }
        let raw = String(text[text.index(after: equals)...])
        let loaded = DocumentLoader.load(text: raw.isEmpty ? "''" : raw, displayPath: "--set")
        let value = loaded.diagnostics.hasErrors ? nil : loaded.document?.value
        return (Override(path: path, value: value ?? .string(raw), text: text), nil)
    }

    /// Writes the value into `document`, creating mappings along the way; a problem message when it cannot.
    func apply(to document: inout JSONValue) -> String? {
        func set(_ node: inout JSONValue, _ rest: ArraySlice<String>) -> String? {
            guard let key = rest.first else {
                node = value
                return nil
            }
            switch node {
            case .object(var members):
                var child = members[key] ?? .object([:])
                if let problem = set(&child, rest.dropFirst()) { return problem }
                members[key] = child
                node = .object(members)
                return nil
            case .array(var items):
                guard let index = Int(key), items.indices.contains(index) else {
                    return "`--set \(text)`: `\(key)` is not an index of a list of \(items.count)"
                }
                if let problem = set(&items[index], rest.dropFirst()) { return problem }
                node = .array(items)
                return nil
            default:
                return "`--set \(text)`: cannot go into `\(key)` of \(node.shortDescription)"
            }
        }
        return set(&document, path[...])
    }
}
