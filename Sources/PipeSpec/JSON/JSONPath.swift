/// A location inside a JSON value: the keys and indices from the root.
///
/// It prints the way users write it in YAML terms: `stages.split.with.ops[2]`.
public struct JSONPath: Hashable, Sendable, CustomStringConvertible, Comparable {
    public enum Component: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    public var components: [Component]

    public init(_ components: [Component] = []) { self.components = components }

    public static let root = JSONPath()

    public func appending(_ key: String) -> JSONPath { JSONPath(components + [.key(key)]) }
    public func appending(_ index: Int) -> JSONPath { JSONPath(components + [.index(index)]) }

    public var parent: JSONPath? { components.isEmpty ? nil : JSONPath(Array(components.dropLast())) }

    public var description: String {
        var out = ""
        for c in components {
            switch c {
            case .key(let k):
                let plain = !k.isEmpty && k.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" || $0 == "@" }
                if plain {
                    if !out.isEmpty { out += "." }
                    out += k
                } else {
                    out += "[\(JSONValue.string(k).canonicalText)]"
                }
            case .index(let i): out += "[\(i)]"
            }
        }
        return out.isEmpty ? "(document)" : out
    }

    /// The RFC 6901 JSON Pointer for this path, e.g. `/stages/split/with`.
    public var pointer: String {
        components.map { c -> String in
            switch c {
            case .key(let k): "/" + k.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
            case .index(let i): "/\(i)"
            }
        }.joined()
    }

    public static func < (a: JSONPath, b: JSONPath) -> Bool { a.description < b.description }
}

extension JSONValue {
    /// The value at `path`, if there is one.
    public func value(at path: JSONPath) -> JSONValue? {
        var current = self
        for c in path.components {
            switch (c, current) {
            case (.key(let k), .object(let o)):
                guard let v = o[k] else { return nil }
                current = v
            case (.index(let i), .array(let a)):
                guard a.indices.contains(i) else { return nil }
                current = a[i]
            default: return nil
            }
        }
        return current
    }
}
