import ArgumentParser
import Foundation
import PipeEngine
import PipeSpec
import Stages

/// Deletes stored results that no pipeline of the workspace refers to any more.
struct Gc: ParsableCommand {
    /// Removing more results than this asks first (or needs --yes).
    static let confirmAbove = 10

    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove stored results no pipeline refers to, and print the space freed.",
        discussion: """
            A result is kept when it is among the last N results of a stage of a pipeline whose file still \
            exists (or, with --pipeline, of the named pipelines only; each must exist and be valid). Cache shelves \
            (the backbone activations fine-tune stages share) go with the last kept result that used them. The resume \
            state of interrupted fine-tunes and the folders of past Slurm jobs (logs of failed ones) are removed too. Before removing more than \(confirmAbove) results, gc \
            lists them and asks; without a terminal it refuses unless --yes is given. The run history (runs/, one \
            small file per run) is kept.
            """
    )

    @OptionGroup var state: StateOptions

    @Option(name: .customLong("keep-last"), help: ArgumentHelp("Keep each stage's N most recent results.", valueName: "N"))
    var keepLast: Int = 1

    @Option(name: .customLong("pipeline"), help: ArgumentHelp("Keep only the results of these pipeline files (repeatable).", valueName: "FILE"))
    var pipelines: [String] = []

    @Flag(name: .customLong("dry-run"), help: "Print what would be removed.")
    var dryRun = false

    @Flag(name: .long, help: "Remove without asking, even more than \(confirmAbove) results.")
    var yes = false

    func validate() throws {
        if keepLast < 1 { throw ValidationError("--keep-last must be at least 1") }
    }

    func run() throws {
        let named = try Set(pipelines.map(Self.checkedPipeline))
        let workspace = try Terminal.orFail { try Workspace(root: state.url) }
        let lock = try Terminal.orFail { try workspace.lock(wait: true) { pid in
            Terminal.error("pipe: waiting for the run\(pid.map { " with PID \($0)" } ?? "") that holds \(state.stateDirectory)/lock ...")
        } }
        defer { lock.release() }
        let collection = GarbageCollection(workspace, keepLast: keepLast) { file in
            named.isEmpty ? FileManager.default.fileExists(atPath: file) : named.contains(file)
        }
        let doomed = collection.doomed
        let freed = collection.freedBytes
        if dryRun || doomed.count > Self.confirmAbove {
            for entry in doomed {
                print("  \(entry.key.prefix(12))  \(entry.meta.map { "\($0.pipeline)/\($0.stage)" } ?? "(no meta.json)")  \(Self.bytes(entry.bytes))")
            }
            for shelf in collection.doomedShelves { print("  shelf \(shelf.name)  \(Self.bytes(shelf.bytes))") }
        }
        if !dryRun, doomed.count > Self.confirmAbove, !yes {
            let question = "remove these \(doomed.count) stored results (\(Self.bytes(freed)))?"
            guard isatty(STDIN_FILENO) == 1 else {
                Terminal.error("pipe: error: gc would remove \(doomed.count) stored results (listed above), more than \(Self.confirmAbove); nothing was removed; pass --yes to remove them")
                throw ExitCode.failure
            }
            // Unbuffered, so the question shows before the answer is read (the list above ended in newlines).
            FileHandle.standardOutput.write(Data("\(question) [y/N] ".utf8))
            guard ["y", "yes"].contains(readLine()?.lowercased().trimmingCharacters(in: .whitespaces) ?? "") else {
                Terminal.error("pipe: nothing was removed")
                throw ExitCode.failure
            }
        }
        if !dryRun { collection.apply(to: workspace) }
        let verb = dryRun ? "would remove" : "removed"
        let shelves = collection.doomedShelves.count
        let shelfText = shelves == 0 ? "" : " and \(shelves) cache shel\(shelves == 1 ? "f" : "ves")"
        print("\(verb) \(doomed.count) stored result\(doomed.count == 1 ? "" : "s")\(shelfText), \(Self.bytes(freed)) \(dryRun ? "to free" : "freed"); kept \(collection.kept)")
    }

    /// The absolute path of a `--pipeline` file, after checking that it exists and is a valid pipeline:
    /// a mistyped name must not make every result look unreferenced.
    static func checkedPipeline(_ path: String) throws -> String {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        guard FileManager.default.fileExists(atPath: url.path) else {
            Terminal.error("pipe: error: --pipeline \(path) does not exist; nothing was removed; name an existing pipeline file")
            throw ExitCode.failure
        }
        let catalog = try Terminal.orFail { try SchemaCatalog.shipped() }
        let result = PipelineCheck.load(path: path, catalog: catalog)
        guard result.spec != nil else {
            for diagnostic in result.diagnostics { Terminal.error(diagnostic.description) }
            Terminal.error("pipe: error: --pipeline \(path) is not a valid pipeline; nothing was removed; fix it or name another file")
            throw ExitCode.failure
        }
        return url.path
    }

    static func bytes(_ n: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(n)
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(n) B" : String(format: "%.1f %@", value, units[unit])
    }
}
