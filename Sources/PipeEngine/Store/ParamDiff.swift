import PipeSpec

/// Lists the leaf values that differ between two parameter sets, as `with.optimizer.lr: 0.001 -> 0.0001`.
enum ParamDiff {
    static func changes(from old: JSONValue, to new: JSONValue, at path: JSONPath) -> [String] {
        if old == new { return [] }
        switch (old, new) {
        case (.object(let a), .object(let b)):
            return Set(a.keys).union(b.keys).sorted().flatMap { key in
                changes(from: a[key] ?? .null, to: b[key] ?? .null, at: path.appending(key))
            }
        case (.array(let a), .array(let b)) where a.count == b.count:
            return zip(a, b).enumerated().flatMap { changes(from: $1.0, to: $1.1, at: path.appending($0)) }
        default:
            return ["param \(path) changed: \(text(old)) -> \(text(new))"]
        }
    }

    private static func text(_ value: JSONValue) -> String {
        value == .null ? "(unset)" : value.canonicalText
    }
}
