import Foundation

/// Finds JSON text that nests arrays and objects too deep to decode recursively, with the place it happens.
enum JSONDepthCheck {
    struct TooDeep: Error, CustomStringConvertible {
        var location: SourceLocation
        var maxDepth: Int

        var description: String {
            "arrays and objects nest more than \(maxDepth) levels deep at line \(location.line), column \(location.column)"
        }
    }

    static func check(_ data: Data, maxDepth: Int) throws(TooDeep) {
        var depth = 0, inString = false, escaped = false
        for (offset, byte) in data.enumerated() {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > maxDepth { throw TooDeep(location: .of(byteOffset: offset, in: data), maxDepth: maxDepth) }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
    }
}
