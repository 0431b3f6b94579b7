import Foundation

extension SchemaValidator {
    /// Keywords about a single value: type, enum, const, numeric limits and string checks.
    mutating func checkValue(_ keyword: SchemaKeyword, _ value: JSONValue) -> Bool {
        switch keyword {
        case .type(let types):
            if types.admits(value) { return true }
            if reporting { report("type", SchemaMessages.type(types, got: value), types: types) }
            return false
        case .enumeration(let values, let lookup):
            if lookup.contains(value), !value.hasNonASCIIText || values.contains(where: value.hasSameCodePoints) { return true }
            if reporting { report("enum", SchemaMessages.oneOf(values, got: value), values: values) }
            return false
        case .constant(let expected):
            if value == expected, value.hasSameCodePoints(as: expected) { return true }
            if reporting { report("const", SchemaMessages.oneOf([expected], got: value), values: [expected]) }
            return false
        default:
            break
        }
        if case .number(let n) = value { return checkNumber(keyword, n) }
        if case .string(let s) = value { return checkString(keyword, s) }
        return true
    }

    private mutating func checkNumber(_ keyword: SchemaKeyword, _ n: Double) -> Bool {
        switch keyword {
        case .multipleOf(let divisor):
            if Self.isMultiple(n, of: divisor) { return true }
            if reporting {
                report("multipleOf", "expected a multiple of \(SchemaMessages.number(divisor)), got \(SchemaMessages.number(n))")
            }
            return false
        case .bound(let bound):
            if bound.admits(n) { return true }
            if reporting {
                let limit = "\(bound.kind.symbol) \(SchemaMessages.number(bound.limit))"
                report(bound.kind.rawValue, "expected a number \(limit), got \(SchemaMessages.number(n))")
            }
            return false
        default:
            return true
        }
    }

    /// Whether `n` is an integer multiple of `divisor`, without overflow or traps for huge values.
    static func isMultiple(_ n: Double, of divisor: Double) -> Bool {
        guard n.isFinite, divisor.isFinite, divisor != 0 else { return false }
        if n.rounded() == n && divisor.rounded() == divisor {
            // fmod is exact for doubles, so integers (even beyond 2^53) get an exact answer.
            return fmod(n, divisor) == 0
        }
        let quotient = n / divisor
        guard quotient.isFinite else { return false }
        // Decimal fractions such as 0.0001 are inexact in binary; allow a few ulps of rounding error.
        return abs(quotient - quotient.rounded()) <= 4 * quotient.ulp
    }

    private mutating func checkString(_ keyword: SchemaKeyword, _ s: String) -> Bool {
        switch keyword {
        case .minLength(let limit):
            guard limit > 0, s.unicodeScalars.count < limit else { return true }
            if reporting {
                let quoted = SchemaMessages.quoted(s)
                report("minLength", limit == 1 ? "expected a non-empty string"
                       : "\(quoted) is too short: expected at least \(limit) characters, got \(s.unicodeScalars.count)")
            }
            return false
        case .maxLength(let limit):
            guard s.utf8.count > limit, s.unicodeScalars.count > limit else { return true }
            if reporting {
                let noun = SchemaMessages.count(limit, "character")
                report("maxLength", "\(SchemaMessages.quoted(s)) is too long: expected at most \(noun), got \(s.unicodeScalars.count)")
            }
            return false
        case .pattern(let regex):
            if regex.matches(s) { return true }
            if reporting { report("pattern", "\(SchemaMessages.quoted(s)) does not match pattern `\(regex.source)`") }
            return false
        default:
            return true
        }
    }
}
