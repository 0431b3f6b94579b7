/// One problem found in a file, printed the way compilers print them: `file:line:col: error: message`.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable {
        case error, warning, note
    }

    public var file: String
    public var location: SourceLocation?
    public var severity: Severity
    public var message: String

    public init(file: String, location: SourceLocation?, severity: Severity = .error, message: String) {
        self.file = file
        self.location = location
        self.severity = severity
        self.message = message
    }

    public var description: String {
        if let location {
            return "\(file):\(location.line):\(location.column): \(severity.rawValue): \(message)"
        }
        return "\(file): \(severity.rawValue): \(message)"
    }

    /// Orders by file, then position, keeping equal positions in their original order when sorted stably.
    public static func precedes(_ a: Diagnostic, _ b: Diagnostic) -> Bool {
        if a.file != b.file { return a.file < b.file }
        return (a.location ?? .start) < (b.location ?? .start)
    }
}

extension Array where Element == Diagnostic {
    public var hasErrors: Bool { contains { $0.severity == .error } }

    /// Sorted by position with duplicates (the same message at the same place) removed.
    public func sortedUnique() -> [Diagnostic] {
        var seen = Set<Diagnostic>()
        let unique = filter { seen.insert($0).inserted }
        return unique.enumerated().sorted { x, y in
            if Diagnostic.precedes(x.element, y.element) { return true }
            if Diagnostic.precedes(y.element, x.element) { return false }
            return x.offset < y.offset
        }.map(\.element)
    }
}
