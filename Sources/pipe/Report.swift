import ArgumentParser
import Foundation
import PipeEngine
import PipeSpec
import Stages

/// Writes one self-contained page comparing recorded runs: their differing params, metrics, curves and stages.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare recorded runs on one self-contained HTML page: table, overlaid ROC and PR curves, training curves.",
        discussion: "A run is named by its id, a unique prefix of it, HEAD (the newest run in the state folder) or HEAD~N (the Nth before it).")

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Two or more runs to compare (or --pipeline).", valueName: "RUN"))
    var runs: [String] = []

    @Option(help: ArgumentHelp("Compare the last runs of this pipeline file instead of naming them.", valueName: "FILE"))
    var pipeline: String?

    @Option(help: ArgumentHelp("With --pipeline: how many of its newest runs to compare.", valueName: "N"))
    var last = 2

    @Option(help: ArgumentHelp("The folder to write index.html into (default: STATE/reports/<ids>).", valueName: "DIR"))
    var out: String?

    @OptionGroup var state: StateOptions

    func validate() throws {
        if pipeline != nil {
            guard runs.isEmpty else { throw ValidationError("give either --runs or --pipeline, not both") }
            guard last >= 2 else { throw ValidationError("--last \(last): give 2 or more runs to compare") }
            return
        }
        guard runs.count >= 2 else {
            throw ValidationError("give at least two runs to compare: `pipe report --runs HEAD~1 HEAD` (ids from `pipe log PIPELINE`)")
        }
        for reference in runs where reference.isEmpty || reference.contains("/") {
            throw ValidationError("`\(reference)` is not a run id; give an id from `pipe log PIPELINE`, a prefix of one, HEAD or HEAD~N")
        }
    }

    func run() throws {
        let history = RunHistory(root: state.url).entries()
        let entries = try chosen(history)
        guard Set(entries.map(\.id)).count == entries.count else {
            Terminal.error("pipe: error: --runs names the same run twice (\(runs.joined(separator: " "))); give different runs")
            throw ExitCode.failure
        }
        let workspace = try? Workspace(root: state.url, create: false)
        let table = ExpTable(runs: entries, allParams: false)
        let compared = entries.map { entry in
            let leaves = HistoryText.leaves(entry.params)
            var run = RunComparisonPage.Run(
                id: entry.id, started: HistoryText.time(entry.started), overrides: entry.overrides,
                params: table.params.map { ($0, HistoryText.cell(leaves[$0])) },
                metrics: table.metrics.compactMap { metric in
                    table.value(entry, metric).map { (table.title(metric, short: false), $0, table.interval(entry, metric)) }
                },
                stages: entry.stages.map { stage in
                    (stage.name, stage.status, stage.key, stage.key.map { workspace?.result($0) != nil } ?? true)
                },
                evaluations: entry.stages.filter { !$0.metrics.isEmpty }.map { stage in
                    (stage.name, stage.key.flatMap { workspace?.result($0)?.output })
                })
            for stage in entry.stages {
                if let key = stage.key, let stored = workspace?.result(key) { run.lineage[stage.name] = stored.meta }
            }
            return run
        }
        let folder = out.map { URL(fileURLWithPath: $0) }
            ?? state.url.appendingPathComponent("reports").appendingPathComponent(entries.map(\.id).joined(separator: "-"))
        let page = folder.appendingPathComponent("index.html")
        let title = "\(Set(entries.map(\.pipeline)).sorted().joined(separator: ", ")): \(entries.count) runs compared"
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(RunComparisonPage.render(title: title, runs: compared).utf8).write(to: page)
        } catch {
            Terminal.error("pipe: error: cannot write \(page.path): \(error.localizedDescription); give a writable folder with --out")
            throw ExitCode.failure
        }
        print(page.path)
    }

    /// The runs `--runs` names, or the last `--last` runs of `--pipeline`, oldest first.
    private func chosen(_ history: [RunEntry]) throws -> [RunEntry] {
        guard let pipeline else { return try Terminal.orFail { try runs.map { try RunHistory.resolve($0, in: history) } } }
        let stored = PipelineState.storedForm(of: URL(fileURLWithPath: pipeline).standardizedFileURL.path, root: state.url)
        let entries = RunHistory(root: state.url).entries(file: stored)
        guard entries.count >= 2 else {
            Terminal.error("pipe: error: \(pipeline) has \(entries.count) recorded run\(entries.count == 1 ? "" : "s") in \(state.stateDirectory)/runs; "
                + "a comparison needs two (`pipe run \(pipeline)` records one per run)")
            throw ExitCode.failure
        }
        return entries.prefix(last).reversed()
    }
}
