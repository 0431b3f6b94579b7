/// Gives plain YAML scalars their type by the YAML 1.2 core schema.
///
/// YAML 1.1 (libyaml's default) turns `no`, `on` and `0o7`-like strings into booleans and numbers; the
/// 1.2 rules keep `no` a string, which is what a pipeline author means by e.g. `country: no`.
enum ScalarResolver {
    static func resolve(plain text: String) -> JSONValue {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        guard let first = text.utf8.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+")
                || first == UInt8(ascii: ".") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first)
        else { return .string(text) }
        if let n = integer(text) ?? decimal(text) { return .number(n) }
        return .string(text)
    }

    private static func integer(_ text: String) -> Double? {
        if text.hasPrefix("0o"), text.count > 2, let v = UInt64(text.dropFirst(2), radix: 8) { return Double(v) }
        if text.hasPrefix("0x"), text.count > 2, let v = UInt64(text.dropFirst(2), radix: 16) { return Double(v) }
        var digits = Substring(text)
        if digits.first == "-" || digits.first == "+" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ (48...57).contains($0) }),
              let value = Double(text), value.isFinite else { return nil }
        return value
    }

    /// `[-+]? ( . digits | digits ( . digits? )? ) ( [eE] [-+]? digits )?`
    private static func decimal(_ text: String) -> Double? {
        var bytes = Array(text.utf8)[...]
        if let sign = bytes.first, sign == 43 || sign == 45 { bytes = bytes.dropFirst() }
        let isDigit = { (b: UInt8) in (48...57).contains(b) }
        let mantissaEnd = bytes.firstIndex { $0 == 101 || $0 == 69 } ?? bytes.endIndex
        let mantissa = bytes[..<mantissaEnd]
        let parts = mantissa.split(separator: 46, maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count <= 2, parts.allSatisfy({ $0.allSatisfy(isDigit) }),
              !(parts[0].isEmpty && (parts.count == 1 || parts[1].isEmpty)) else { return nil }
        if mantissaEnd < bytes.endIndex {
            var exponent = bytes[(mantissaEnd + 1)...]
            if let sign = exponent.first, sign == 43 || sign == 45 { exponent = exponent.dropFirst() }
            guard !exponent.isEmpty, exponent.allSatisfy(isDigit) else { return nil }
        }
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }
}
