import Yams

/// Rewrites libyaml's errors as diagnostics that say what to change.
enum YAMLErrorTranslator {
    static func diagnostic(for error: YamlError, text: String, file: String) -> Diagnostic {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let location = SourceLocation(line: mark.line, column: mark.column)
            let contextText = context.map { "\($0.text) that starts at line \($0.mark.line), column \($0.mark.column)" }
            return Diagnostic(file: file, location: location,
                              message: explain(problem: problem, context: contextText, at: location, in: text))
        case let .reader(problem, offset, _, _):
            let location = offset.map { SourceLocation.of(byteOffset: $0, in: Array(text.utf8)) }
            return Diagnostic(file: file, location: location, message: "unreadable text: \(problem)")
        default:
            return Diagnostic(file: file, location: nil, message: "cannot parse YAML: \(error)")
        }
    }

    private static func explain(problem: String, context: String?, at location: SourceLocation, in text: String) -> String {
        if character(at: location, in: text) == "\t" {
            return "YAML syntax error: a tab character here; YAML indents with spaces only"
        }
        switch problem {
        case "found undefined alias":
            return "YAML syntax error: an alias (`*name`) that no anchor (`&name`) defines before it"
        case "did not find expected key":
            return "YAML syntax error: bad indentation or a missing `:`; this line does not line up with its mapping"
        case "mapping values are not allowed in this context":
            return "YAML syntax error: a `:` where no key can start; quote the value or fix the indentation"
        case "expected a single document in the stream", "but found another document":
            return "YAML syntax error: the file holds more than one `---` document; a pipeline is one document"
        default:
            let detail = context.map { " (\($0))" } ?? ""
            return "YAML syntax error: \(problem)\(detail)"
        }
    }

    private static func character(at location: SourceLocation, in text: String) -> Character? {
        var line = 1
        var index = text.unicodeScalars.startIndex
        while line < location.line, let newline = text.unicodeScalars[index...].firstIndex(of: "\n") {
            index = text.unicodeScalars.index(after: newline)
            line += 1
        }
        let scalars = text.unicodeScalars[index...]
        guard let target = scalars.index(index, offsetBy: location.column - 1, limitedBy: scalars.endIndex),
              target < scalars.endIndex else { return nil }
        return Character(scalars[target])
    }
}
