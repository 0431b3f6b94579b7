import ArgumentParser
import Foundation
import PipeEngine
import PipeSpec

/// Lists the recorded runs of a pipeline, newest first.
struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the recorded runs of a pipeline, newest first: id, time, what ran, the overrides and the headline metric.",
        discussion: "Every `pipe run` (not --dry-run) records a run in the state folder's runs/ folder; `pipe gc` keeps them.")

    @OptionGroup var history: HistoryOptions

    @Option(name: .customLong("last"), help: ArgumentHelp("Only the N newest runs.", valueName: "N"))
    var last: Int?

    @Flag(help: "Print one JSON array of the recorded runs on stdout.")
    var json = false

    func validate() throws {
        if let last, last < 1 { throw ValidationError("--last must be at least 1") }
    }

    func run() throws {
        let entries = Array(try history.entries().prefix(last ?? .max))
        if json {
            print(JSONValue.array(entries.map(\.json)).canonicalText)
            return
        }
        for entry in entries {
            let overrides = entry.overrides.isEmpty ? "no overrides" : entry.overrides.map { "--set \($0)" }.joined(separator: " ")
            let parts = [entry.id, HistoryText.time(entry.started), entry.outcome.rawValue, HistoryText.counts(entry), overrides]
                + [HistoryText.headline(entry)].compactMap { $0 }
            print(parts.joined(separator: "  "))
        }
    }
}
