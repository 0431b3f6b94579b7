extension JSONValue {
    /// Equality as JSON Schema defines it, where strings compare by code points.
    ///
    /// Swift's `==` treats canonically equivalent strings (`é` and `e` + combining accent) as equal,
    /// so this re-checks values that `==` already found equal.
    func hasSameCodePoints(as other: JSONValue) -> Bool {
        switch (self, other) {
        case (.string(let a), .string(let b)):
            return a.unicodeScalars.elementsEqual(b.unicodeScalars)
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.hasSameCodePoints(as: $1) }
        case (.object(let a), .object(let b)):
            return a.count == b.count && a.allSatisfy { key, value in b[key].map { value.hasSameCodePoints(as: $0) } ?? false }
        default:
            return self == other
        }
    }

    /// Whether the value holds any non-ASCII text, the only case where `==` and code points can disagree.
    var hasNonASCIIText: Bool {
        switch self {
        case .string(let s): !s.utf8.allSatisfy { $0 < 0x80 }
        case .array(let items): items.contains { $0.hasNonASCIIText }
        case .object(let members): members.contains { key, value in !key.utf8.allSatisfy { $0 < 0x80 } || value.hasNonASCIIText }
        default: false
        }
    }
}
