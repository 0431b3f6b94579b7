import ArgumentParser
import Foundation
import PipeEngine
import PipeSpec
import Stages

/// Puts two recorded runs side by side: params, stage keys and headline metrics, with a `*` on each line that differs.
struct ExpDiff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two recorded runs: params, stage keys and metrics side by side, `*` marking what differs.",
        discussion: "A run is named by its id, a unique prefix of it, HEAD (the newest run in the state folder) or HEAD~N (the Nth before it).")

    @Argument(help: ArgumentHelp("The first run.", valueName: "RUN_A"))
    var first: String

    @Argument(help: ArgumentHelp("The second run.", valueName: "RUN_B"))
    var second: String

    @OptionGroup var state: StateOptions

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func validate() throws {
        for reference in [first, second] where reference.isEmpty || reference.contains("/") {
            throw ValidationError("`\(reference)` is not a run id; give an id from `pipe log PIPELINE`, a prefix of one, HEAD or HEAD~N")
        }
    }

    /// One compared line: a name and the two runs' renderings.
    struct Line {
        var name: String
        var a: String
        var b: String
        var differs: Bool
        var note: String = ""
    }

    func run() throws {
        let entries = RunHistory(root: state.url).entries()
        let (a, b) = try Terminal.orFail { (try RunHistory.resolve(first, in: entries), try RunHistory.resolve(second, in: entries)) }
        let workspace = try? Workspace(root: state.url, create: false)
        let sections = [("params", params(a, b)), ("stages", stages(a, b, workspace: workspace)), ("metrics", metrics(a, b))]
        if json {
            print(jsonText(a, b, sections))
            return
        }
        for (entry, label) in [(a, "A"), (b, "B")] {
            print("  \(label): \(entry.id)  \(HistoryText.time(entry.started))  \(entry.pipeline)  \(entry.outcome.rawValue)  \(entry.overrides.map { "--set \($0)" }.joined(separator: " "))")
        }
        if a.fileSHA256 != b.fileSHA256 { print("* the pipeline file differs (SHA-256 \(a.fileSHA256.prefix(12)) vs \(b.fileSHA256.prefix(12)))") }
        for (title, lines) in sections where !lines.isEmpty {
            print("\(title):")
            let rows = lines.map { [($0.differs ? "* " : "  ") + $0.name, $0.a, $0.b, $0.note] }
            for line in HistoryText.table(["", "A", "B", ""], rows, width: 1000, shrinkable: []).dropFirst() {
                print(line.trimmingCharacters(in: .whitespaces).isEmpty ? "" : String(line.reversed().drop { $0 == " " }.reversed()))
            }
        }
    }

    private func params(_ a: RunEntry, _ b: RunEntry) -> [Line] {
        let (left, right) = (HistoryText.leaves(a.params), HistoryText.leaves(b.params))
        return Set(left.keys).union(right.keys).sorted().map { path in
            Line(name: path, a: HistoryText.cell(left[path]), b: HistoryText.cell(right[path]), differs: left[path] != right[path])
        }
    }

    private func stages(_ a: RunEntry, _ b: RunEntry, workspace: Workspace?) -> [Line] {
        let names = a.stages.map(\.name) + b.stages.map(\.name).filter { a.stage($0) == nil }
        return names.map { name in
            let (x, y) = (a.stage(name), b.stage(name))
            let gone = [x, y].compactMap { $0?.key }.filter { workspace?.result($0) == nil }
            let statuses = [x?.status, y?.status]
            var note = statuses.allSatisfy({ $0 == "cached" }) ? "" : "A \(statuses[0] ?? "absent"), B \(statuses[1] ?? "absent")"
            if !gone.isEmpty { note += (note.isEmpty ? "" : "; ") + "result removed" }
            return Line(name: name, a: key(x), b: key(y), differs: x?.key != y?.key, note: note)
        }
    }

    private func key(_ stage: RunEntry.Stage?) -> String {
        guard let stage else { return "-" }
        return stage.key.map { String($0.prefix(12)) } ?? stage.status
    }

    private func metrics(_ a: RunEntry, _ b: RunEntry) -> [Line] {
        let table = ExpTable(runs: [a, b], allParams: false)
        return table.metrics.map { metric in
            func text(_ run: RunEntry) -> String {
                table.value(run, metric).map { HistoryText.metric($0, table.interval(run, metric).map { .array($0.map(JSONValue.number)) }) } ?? "-"
            }
            return Line(name: table.title(metric, short: false), a: text(a), b: text(b), differs: table.value(a, metric) != table.value(b, metric))
        }
    }

    private func jsonText(_ a: RunEntry, _ b: RunEntry, _ sections: [(String, [Line])]) -> String {
        var object: [String: JSONValue] = ["a": .string(a.id), "b": .string(b.id), "file_differs": .bool(a.fileSHA256 != b.fileSHA256)]
        for (title, lines) in sections {
            object[title] = .array(lines.map { line in
                .object(["name": .string(line.name), "a": .string(line.a), "b": .string(line.b), "differs": .bool(line.differs),
                         "note": .string(line.note)])
            })
        }
        return JSONValue.object(object).canonicalText
    }
}
