import ArgumentParser
import Dispatch
import Foundation
import PipeEngine
import PipeSpec
import Stages

/// Runs a pipeline, reusing every stored result whose inputs, parameters and code are unchanged.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a pipeline; only stages whose inputs, parameters or code changed run again.",
        discussion: "Exits 0 when every stage ran or was cached, 1 when a stage failed or the file is invalid, 130 when interrupted."
    )

    @OptionGroup var pipeline: PipelineOptions
    @OptionGroup var state: StateOptions

    @Option(name: .customLong("stage"), help: ArgumentHelp("Run this stage and what it needs (repeatable).", valueName: "NAME"))
    var stages: [String] = []

    @Flag(help: "Rerun the selected stages even when their results are stored.")
    var force = false

    @Flag(name: .customLong("force-downstream"), help: "Rerun every stage downstream of one that ran, even when its output came out the same.")
    var forceDownstream = false

    @Flag(name: .customLong("dry-run"), help: "Print what would run and why, and change nothing.")
    var dryRun = false

    @Option(name: .short, help: ArgumentHelp("Cores to keep busy (default: all); with the Slurm executor, also the jobs submitted at once (default: 64).", valueName: "N"))
    var jobs: Int?

    @Option(help: ArgumentHelp("Where stages run: local, or slurm (each stage a batch job). Overrides the file's `executor`; stages with `executor: local` stay local.", valueName: "NAME"))
    var executor: Executor?

    @Flag(name: .customLong("keep-going"), help: "After a failure, still run every stage that does not depend on it.")
    var keepGoing = false

    @Flag(name: .customLong("no-wait"), help: "Fail at once when another run holds the state folder, instead of waiting.")
    var noWait = false

    @Flag(help: "Print one JSON object with every stage's result on stdout at the end.")
    var json = false

    @Option(name: .customLong("sweep"), help: ArgumentHelp("Run once per comma-separated value; several --sweep run every combination, one after another, each recorded in the history (repeatable).", valueName: "PATH=V1,V2,..."))
    var sweeps: [String] = []

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("-j must be at least 1") }
        let parsed = try sweeps.map(Sweep.parse)
        let setPaths = Set(pipeline.overrides.compactMap { Override.parse($0).0?.path.joined(separator: ".") })
        var seen = Set<String>()
        for sweep in parsed {
            guard seen.insert(sweep.path).inserted else { throw ValidationError("`--sweep \(sweep.path)=...` is given twice; list all its values in one --sweep") }
            if setPaths.contains(sweep.path) { throw ValidationError("`\(sweep.path)` is given by both --set and --sweep; keep one") }
        }
        if json, !sweeps.isEmpty { throw ValidationError("--json describes one run; with --sweep, use `pipe exp show PIPELINE --json` afterwards") }
    }

    func run() throws {
        let workspace = try Terminal.orFail { try Workspace(root: state.url, create: !dryRun) }
        let notes = ConsoleReporter(stream: json ? .standardError : .standardOutput)
        var lock: WorkspaceLock?
        if !dryRun {
            lock = try Terminal.orFail {
                try workspace.lock(wait: !noWait) { pid in
                    Terminal.error("pipe: waiting for the run\(pid.map { " with PID \($0)" } ?? "") that holds \(state.stateDirectory)/lock ...")
                }
            }
            if let previous = lock?.tookOverFrom {
                notes.note("the previous run (PID \(previous)) ended without releasing \(state.stateDirectory); taking over")
            }
            let abandoned = workspace.store.removeAbandonedRunFolders()
            if !abandoned.isEmpty {
                notes.note("removed \(abandoned.count) unfinished run folder\(abandoned.count == 1 ? "" : "s") of an interrupted run")
            }
        }
        defer { lock?.release() }
        guard !sweeps.isEmpty else {
            let outcome = try runOnce(extra: [], workspace: workspace)
            if outcome.cancelled {
                Terminal.error("pipe: interrupted; unfinished stages were discarded")
                throw ExitCode(130)
            }
            if outcome.failed { throw ExitCode.failure }
            return
        }
        let grid = Sweep.grid(try sweeps.map(Sweep.parse))
        var outcomes: [(overrides: [String], outcome: Outcome?)] = []
        for (index, extra) in grid.enumerated() {
            notes.note("sweep run \(index + 1) of \(grid.count): \(extra.joined(separator: " "))")
            let outcome = try? runOnce(extra: extra, workspace: workspace)
            outcomes.append((extra, outcome))
            if outcome?.cancelled == true { break }
        }
        let failed = outcomes.filter { $0.outcome?.failed ?? true }.count
        print("\nsweep: \(outcomes.count) of \(grid.count) runs, \(failed) failed")
        for (extra, outcome) in outcomes {
            let id = outcome?.entry?.id ?? "-".padding(toLength: 8, withPad: " ", startingAt: 0)
            let result = outcome.map { $0.entry.map(HistoryText.summary) ?? ($0.failed ? "failed" : "dry run") } ?? "invalid pipeline (see above)"
            print("  \(id)  \(extra.joined(separator: " "))  \(result)")
        }
        if outcomes.last?.outcome?.cancelled == true {
            Terminal.error("pipe: interrupted; the remaining sweep runs were not started")
            throw ExitCode(130)
        }
        if failed > 0 { throw ExitCode.failure }
    }

    /// How one run of the pipeline ended, and its history entry (nil for a dry run).
    struct Outcome {
        var entry: RunEntry?
        var failed: Bool
        var cancelled: Bool
    }

    /// Runs the pipeline once with `extra` overrides after the `--set` ones and records the run.
    private func runOnce(extra: [String], workspace: Workspace) throws -> Outcome {
        let spec = try pipeline.load(extra: extra)
        let overrides = pipeline.overrides + extra
        let reporter = ConsoleReporter(stream: json ? .standardError : .standardOutput)
        let runner = PipelineRunner(spec: spec, file: pipeline.url, workspace: workspace, kinds: StageCatalog.kinds)
        let interrupts = SignalTrap { _ in runner.cancel() }
        defer { interrupts.restore() }
        var options = RunOptions()
        options.stages = stages
        options.force = force
        options.forceDownstream = forceDownstream
        options.dryRun = dryRun
        options.jobs = jobs ?? ProcessInfo.processInfo.activeProcessorCount
        options.jobsInFlight = jobs ?? 64
        options.executor = executor
        options.jobCommand = [StageJobCommand.executablePath, "stage-job"]
        options.overrides = overrides
        options.keepGoing = keepGoing
        let started = Date()
        let results: [StageResult]
        do {
            results = try runner.run(options, observer: reporter)
        } catch {
            reporter.finish()
            Terminal.error("pipe: error: \(error)")
            let entry = dryRun ? nil : RunRecorder.record(spec: spec, file: pipeline.url, workspace: workspace, overrides: overrides,
                                                           started: started, results: [], cancelled: false, error: "\(error)")
            return Outcome(entry: entry, failed: true, cancelled: false)
        }
        reporter.finish()
        if json { print(RunSummary.json(pipeline: spec.name, results: results)) }
        let entry = dryRun ? nil : RunRecorder.record(spec: spec, file: pipeline.url, workspace: workspace, overrides: overrides,
                                                       started: started, results: results, cancelled: runner.wasCancelled)
        if let entry { reporter.note("recorded as run \(entry.id)") }
        return Outcome(entry: entry, failed: results.contains { $0.status == .failed }, cancelled: runner.wasCancelled)
    }
}

extension Executor: ExpressibleByArgument {}
