import ArgumentParser
import Foundation
import PipeEngine
import PipeSpec
import Stages

/// Shows a pipeline's recorded runs as a table: the params that differ, the headline metrics and what each stage did.
struct ExpShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a pipeline's recorded runs as a table: differing params, headline metrics with intervals, and per stage ran/cached.",
        discussion: """
            A stage cell reads `cached`, or `ran:` and the short reason it ran (`lr` for a changed parameter, `↑train` for a \
            changed upstream output, `new` for a first run). When a column per stage would not fit the terminal, one \
            `stages` column names the stages that did not come from the cache. A `*` marks a result that `pipe gc` has \
            removed since; the recorded values are shown all the same.
            """)

    @OptionGroup var history: HistoryOptions

    @Flag(name: .customLong("all-params"), help: "Show every param, not only those whose values differ between the shown runs.")
    var allParams = false

    @Flag(name: .customLong("only-changed"), help: "Hide runs in which no stage ran (everything cached): they repeat an earlier result.")
    var onlyChanged = false

    @Option(help: ArgumentHelp("Order runs by this metric, highest first: accuracy, balanced_accuracy, roc_auc, patient_rate (or acc, bal_acc, auc, patient; STAGE.NAME when several stages evaluate).", valueName: "METRIC"))
    var sort: String?

    @Option(name: .customLong("last"), help: ArgumentHelp("Only the N newest runs.", valueName: "N"))
    var last: Int?

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    @Flag(help: "Print CSV on stdout: a row per run, intervals as _low/_high columns.")
    var csv = false

    func validate() throws {
        if let last, last < 1 { throw ValidationError("--last must be at least 1") }
        if json && csv { throw ValidationError("--json and --csv each choose the output; give one") }
        if let sort {
            let known = HeadlineMetrics.names + HeadlineMetrics.names.compactMap { HistoryText.abbreviations[$0] }
            guard known.contains(sort) || sort.split(separator: ".").last.map({ known.contains(String($0)) }) == true else {
                throw ValidationError("--sort \(sort): not a recorded metric; use one of \(HeadlineMetrics.names.joined(separator: ", "))")
            }
        }
    }

    func run() throws {
        var runs = Array(try history.entries().prefix(last ?? .max))
        if onlyChanged { runs = runs.filter { $0.stages.contains { $0.status == "ran" } } }
        var table = ExpTable(runs: runs, allParams: allParams)
        if let sort {
            guard let metric = table.metric(named: sort) else {
                Terminal.error("pipe: error: --sort \(sort): none of the shown runs recorded it; recorded: \(table.metrics.map { table.title($0, short: false) }.joined(separator: ", "))")
                throw ExitCode.failure
            }
            table.runs = table.sorted(by: metric)
        }
        let workspace = try? Workspace(root: history.state.url, create: false)
        let stored: (String?) -> Bool = { key in key.map { workspace?.result($0) != nil } ?? true }
        if json {
            print(jsonText(table, stored: stored))
        } else if csv {
            print(csvText(table), terminator: "")
        } else {
            for line in text(table, stored: stored) { print(line) }
        }
    }

    /// The table with a column per stage when that fits the terminal, else one `stages` column naming what ran.
    private func text(_ table: ExpTable, stored: (String?) -> Bool) -> [String] {
        var removed = false
        let cells = table.runs.map { run in
            table.stages.map { name -> (status: String, text: String)? in
                guard let stage = run.stage(name) else { return nil }
                let gone = stage.status != "failed" && stage.status != "skipped" && !stored(stage.key)
                removed = removed || gone
                let reasons = stage.status == "ran" ? ":" + HistoryText.shortReasons(stage.reasons) : ""
                return (stage.status, stage.status + reasons + (gone ? "*" : ""))
            }
        }
        let front = ["run", "started"] + table.params + table.metrics.map { table.title($0, short: true) }
        func rows(intervals: Bool) -> [[String]] {
            table.runs.map { run -> [String] in
                let leaves = HistoryText.leaves(run.params)
                return [run.id, String(HistoryText.time(run.started).dropFirst(5).prefix(11))] + table.params.map { HistoryText.cell(leaves[$0]) }
                    + table.metrics.map { metric in
                        let interval = intervals ? table.interval(run, metric).map { JSONValue.array($0.map(JSONValue.number)) } : nil
                        return table.value(run, metric).map { HistoryText.metric($0, interval, short: true) } ?? "-"
                    }
            }
        }
        let width = HistoryText.terminalWidth
        let params = Set(2..<(2 + table.params.count))
        var lines = HistoryText.table(front + table.stages, zip(rows(intervals: true), cells).map { $0 + $1.map { $0?.text ?? "-" } },
                                      width: .max, shrinkable: [])
        let stagesColumn = cells.map { cells -> String in
            if cells.allSatisfy({ $0?.status == "ran" }) && Set(cells.map { $0?.text }).count == 1, let text = cells.first??.text {
                return "all " + text
            }
            let named = zip(table.stages, cells).compactMap { name, cell -> String? in
                guard let cell, cell.status != "cached" else { return nil }
                return cell.status == "ran" ? name + cell.text.dropFirst(3) : "\(name):\(cell.status == "failed" ? "FAILED" : cell.text)"
            }
            let cached = cells.filter { $0?.status == "cached" }.count
            return (named + (cached > 0 ? ["\(cached) cached"] : [])).joined(separator: " ")
        }
        for intervals in [true, false] where lines.map(\.count).max() ?? 0 > width {
            lines = HistoryText.table(front + ["stages"], zip(rows(intervals: intervals), stagesColumn).map { $0 + [$1] }, width: width,
                                      shrinkable: params.union([front.count]))
        }
        if removed { lines.append("* result removed by pipe gc; the recorded values are shown") }
        return lines
    }

    private func jsonText(_ table: ExpTable, stored: (String?) -> Bool) -> String {
        let runs: [JSONValue] = table.runs.map { run in
            let leaves = HistoryText.leaves(run.params)
            var metrics: [String: JSONValue] = [:]
            for metric in table.metrics {
                guard let value = table.value(run, metric) else { continue }
                var object = metrics[metric.stage]?.objectValue ?? [:]
                object[metric.name] = .number(value)
                if let bounds = table.interval(run, metric) { object[metric.name + "_ci"] = .array(bounds.map(JSONValue.number)) }
                metrics[metric.stage] = .object(object)
            }
            return .object([
                "id": .string(run.id), "started": .string(RunEntry.dateText(run.started)), "outcome": .string(run.outcome.rawValue),
                "overrides": .array(run.overrides.map(JSONValue.string)),
                "params": .object(Dictionary(uniqueKeysWithValues: table.params.map { ($0, leaves[$0] ?? .null) })),
                "metrics": .object(metrics),
                "stages": .array(run.stages.map { stage in
                    .object(["name": .string(stage.name), "status": .string(stage.status), "key": stage.key.map(JSONValue.string) ?? .null,
                             "reasons": .array(stage.reasons.map(JSONValue.string)), "stored": .bool(stored(stage.key))])
                }),
            ])
        }
        return JSONValue.object(["params": .array(table.params.map(JSONValue.string)), "runs": .array(runs)]).canonicalText
    }

    private func csvText(_ table: ExpTable) -> String {
        func quoted(_ text: String) -> String {
            text.contains(where: { ",\"\n".contains($0) }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        var header = ["id", "started", "outcome"] + table.params.map { "params." + $0 }
        for metric in table.metrics {
            let title = table.title(metric, short: false)
            header += [title, title + "_low", title + "_high"]
        }
        header += table.stages.flatMap { [$0, $0 + "_reasons"] }
        let rows = table.runs.map { run -> [String] in
            let leaves = HistoryText.leaves(run.params)
            var row = [run.id, RunEntry.dateText(run.started), run.outcome.rawValue] + table.params.map { leaves[$0].map(HistoryText.cell) ?? "" }
            for metric in table.metrics {
                let bounds = table.interval(run, metric)
                row += [table.value(run, metric).map { JSONValue.numberText($0) } ?? "", bounds.map { JSONValue.numberText($0[0]) } ?? "",
                        bounds.map { JSONValue.numberText($0[1]) } ?? ""]
            }
            row += table.stages.flatMap { name in [run.stage(name)?.status ?? "", run.stage(name)?.reasons.joined(separator: "; ") ?? ""] }
            return row
        }
        return ([header] + rows).map { $0.map(quoted).joined(separator: ",") + "\n" }.joined()
    }
}
