import ArgumentParser
import Foundation
import PipeSpec

/// One `--sweep PATH=V1,V2,...` option: a dotted path and the values a sweep gives it, one run each.
struct Sweep: Equatable {
    var path: String
    var values: [String]

    /// Parses `PATH=V1,V2,...`; commas inside brackets, braces or quotes belong to a value (`[1,2],[3,4]`).
    static func parse(_ text: String) throws -> Sweep {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw ValidationError("`--sweep \(text)` needs the form PATH=V1,V2,..., e.g. --sweep params.lr=1e-3,1e-4")
        }
        let path = String(text[..<equals])
        if let problem = Override.parse(path + "=0").1 { throw ValidationError(problem.replacingOccurrences(of: "--set", with: "--sweep")) }
        let values = split(String(text[text.index(after: equals)...]))
        guard !values.isEmpty, values.allSatisfy({ !$0.isEmpty }) else {
            throw ValidationError("`--sweep \(text)`: give one or more values separated by commas, none empty, e.g. --sweep \(path)=1e-3,1e-4")
        }
        guard Set(values).count == values.count else { throw ValidationError("`--sweep \(text)` repeats a value; give each once") }
        return Sweep(path: path, values: values)
    }

    /// The `--set` texts of every run of the grid of `sweeps`: the first sweep varies slowest.
    static func grid(_ sweeps: [Sweep]) -> [[String]] {
        sweeps.reduce([[]]) { runs, sweep in
            runs.flatMap { run in sweep.values.map { run + ["\(sweep.path)=\($0)"] } }
        }
    }

    private static func split(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        var quote: Character?
        for character in text {
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if "[{".contains(character) {
                depth += 1
            } else if "]}".contains(character) {
                depth -= 1
            } else if character == ",", depth == 0 {
                parts.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
                continue
            }
            current.append(character)
        }
        parts.append(current.trimmingCharacters(in: .whitespaces))
        return parts
    }
}
