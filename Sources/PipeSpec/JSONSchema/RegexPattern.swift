import Foundation

/// A regular expression from a schema's `pattern` or `patternProperties`, compiled once at load.
final class RegexPattern: @unchecked Sendable {
    // NSRegularExpression is immutable after creation and documented as safe to share between threads.
    let source: String
    private let regex: NSRegularExpression

    /// Compiles `source`; throws when it is not a valid regular expression.
    init(_ source: String) throws {
        self.source = source
        regex = try NSRegularExpression(pattern: source, options: [])
    }

    /// Whether the pattern matches anywhere in `text` (patterns are not implicitly anchored).
    func matches(_ text: String) -> Bool {
        regex.firstMatch(in: text, options: [], range: NSRange(location: 0, length: text.utf16.count)) != nil
    }
}
