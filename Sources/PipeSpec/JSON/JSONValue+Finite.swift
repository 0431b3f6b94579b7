extension JSONValue {
    /// A NaN or infinite number where a JSON file was to be written; JSON cannot hold one.
    public struct NonFiniteNumber: Error, CustomStringConvertible, Equatable {
        public var path: JSONPath
        public var value: Double

        public var description: String {
            "\(path) is \(value.isNaN ? "NaN" : value > 0 ? "infinite" : "minus infinite"), which JSON cannot hold; the file was not written"
        }
    }

    /// The path of the first NaN or infinite number (keys in sorted order), or nil when every number is finite.
    public var firstNonFiniteNumber: NonFiniteNumber? { firstNonFinite(at: .root) }

    /// `canonicalText` for a file: throws `NonFiniteNumber` rather than write a NaN or infinity as `null`.
    public func fileText() throws(NonFiniteNumber) -> String {
        if let bad = firstNonFiniteNumber { throw bad }
        return canonicalText
    }

    private func firstNonFinite(at path: JSONPath) -> NonFiniteNumber? {
        switch self {
        case .number(let n): return n.isFinite ? nil : NonFiniteNumber(path: path, value: n)
        case .array(let items):
            for (index, item) in items.enumerated() {
                if let bad = item.firstNonFinite(at: path.appending(index)) { return bad }
            }
        case .object(let members):
            for key in members.keys.sorted() {
                if let bad = members[key]!.firstNonFinite(at: path.appending(key)) { return bad }
            }
        default: break
        }
        return nil
    }
}
