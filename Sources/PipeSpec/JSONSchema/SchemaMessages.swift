/// The wording of violation messages, kept in one place so they stay consistent.
enum SchemaMessages {
    /// `an integer`, `a string`, `null`.
    static func article(_ typeName: String) -> String {
        switch typeName {
        case "null": "null"
        case "integer", "array", "object": "an \(typeName)"
        default: "a \(typeName)"
        }
    }

    /// `a string or null`, `an integer, a string or null`.
    static func alternatives(_ items: [String], _ conjunction: String = "or") -> String {
        guard items.count > 1 else { return items.first ?? "nothing" }
        return items.dropLast().joined(separator: ", ") + " \(conjunction) " + items.last!
    }

    static func type(_ types: JSONTypeSet, got value: JSONValue) -> String {
        expected([], types, got: value)
    }

    /// `expected `auto`, `none` or an integer, got number 3.5`.
    static func expected(_ values: [JSONValue], _ types: JSONTypeSet, got value: JSONValue) -> String {
        var names = types.names
        if names.contains("number") { names.removeAll { $0 == "integer" } }
        var parts = values.prefix(12).map(literal)
        if values.count > 12 { parts.append("... (\(values.count) values in all)") }
        return "expected \(alternatives(parts + names.map(article))), got \(value.shortDescription)"
    }

    /// A schema value quoted for a message: `adam`, `3`, `{"a":1}`.
    static func literal(_ value: JSONValue) -> String {
        let text: String
        switch value {
        case .string(let s): text = s
        case .number(let n): text = JSONValue.numberText(n)
        default: text = value.canonicalText
        }
        return "`" + (text.count > 40 ? String(text.prefix(37)) + "..." : text) + "`"
    }

    static func list(_ names: [String], limit: Int = 12) -> String {
        let shown = names.prefix(limit).map { "`\($0)`" }.joined(separator: ", ")
        return names.count > limit ? shown + ", ... (\(names.count) in all)" : shown
    }

    /// `expected one of `adam`, `sgd`, got string "adan" (did you mean `adam`?)`.
    static func oneOf(_ values: [JSONValue], got value: JSONValue) -> String {
        var text: String
        if values.count == 1 {
            text = "expected \(literal(values[0])), got \(value.shortDescription)"
        } else {
            let shown = values.prefix(12).map(literal).joined(separator: ", ")
            let more = values.count > 12 ? ", ... (\(values.count) in all)" : ""
            text = "expected one of \(shown)\(more), got \(value.shortDescription)"
        }
        if values.count > 1, case .string(let s) = value, let near = closestName(to: s, among: values.compactMap(\.stringValue)) {
            text += " (did you mean `\(near)`?)"
        }
        return text
    }

    /// `unknown key `tran` (did you mean `train`?)`, or the allowed keys when there are few.
    static func unknownKey(_ key: String, declared: [String], open: Bool) -> String {
        if let near = closestName(to: key, among: declared) {
            return "unknown key `\(key)` (did you mean `\(near)`?)"
        }
        if !open, !declared.isEmpty, declared.count <= 8 {
            return "unknown key `\(key)`; allowed keys: \(list(declared))"
        }
        return "unknown key `\(key)`"
    }

    static func number(_ n: Double) -> String { JSONValue.numberText(n) }

    static func count(_ n: Int, _ noun: String) -> String { n == 1 ? "1 \(noun)" : "\(n) \(noun)s" }

    /// `string "Foo Bar"`, shortened when long.
    static func quoted(_ s: String) -> String { JSONValue.string(s).shortDescription }

    /// `"strng"`: JSON text of a string, for schema errors.
    static func json(_ s: String) -> String { JSONValue.string(s).canonicalText }
}
