import ArgumentParser
import Foundation
import PipeEngine
import PipeSpec
import Stages

/// Says for each stage whether its stored result is current, and if not, why.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show which stages are up-to-date, stale or never run, and why.")

    @OptionGroup var pipeline: PipelineOptions
    @OptionGroup var state: StateOptions

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func run() throws {
        let spec = try pipeline.load()
        let workspace = try Terminal.orFail { try Workspace(root: state.url, create: false) }
        let runner = PipelineRunner(spec: spec, file: pipeline.url, workspace: workspace, kinds: StageCatalog.kinds)
        var options = RunOptions()
        options.dryRun = true
        let notes = NoteCollector()
        let results = try Terminal.orFail { try runner.run(options, observer: notes) }
        let rows = results.map { ($0.name, $0.freshness ?? .stale(reasons: $0.reasons)) }
        if json {
            let stages: [JSONValue] = rows.map { name, freshness in
                .object(["name": .string(name), "status": .string(freshness.label), "reasons": .array(freshness.reasons.map { .string($0) })])
            }
            print(JSONValue.object(["pipeline": .string(spec.name), "stages": .array(stages)]).canonicalText)
        } else {
            for message in notes.messages { print("pipe: \(message)") }
            for (name, freshness) in rows {
                let reasons = freshness.reasons
                print("\(name): \(freshness.label)\(reasons.isEmpty ? "" : " (\(reasons.joined(separator: "; ")))")")
            }
        }
    }
}

/// Keeps the notes of a dry run (such as a corrupted stored result) and nothing else.
final class NoteCollector: RunObserver, @unchecked Sendable {
    private(set) var messages: [String] = []
    func stageStarted(_ name: String, reasons: [String]) {}
    func stageProgress(_ name: String, _ progress: StageProgress) {}
    func stageFinished(_ result: StageResult) {}
    func note(_ message: String) { messages.append(message) }
}
