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

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("-j must be at least 1") }
    }

    func run() throws {
        let spec = try pipeline.load()
        let workspace = try Terminal.orFail { try Workspace(root: state.url, create: !dryRun) }
        let reporter = ConsoleReporter(stream: json ? .standardError : .standardOutput)
        var lock: WorkspaceLock?
        if !dryRun {
            lock = try Terminal.orFail {
                try workspace.lock(wait: !noWait) { pid in
                    Terminal.error("pipe: waiting for the run\(pid.map { " with PID \($0)" } ?? "") that holds \(state.stateDirectory)/lock ...")
                }
            }
            if let previous = lock?.tookOverFrom {
                reporter.note("the previous run (PID \(previous)) ended without releasing \(state.stateDirectory); taking over")
            }
            let abandoned = workspace.store.removeAbandonedRunFolders()
            if !abandoned.isEmpty {
                reporter.note("removed \(abandoned.count) unfinished run folder\(abandoned.count == 1 ? "" : "s") of an interrupted run")
            }
        }
        defer { lock?.release() }
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
        options.overrides = pipeline.overrides
        options.keepGoing = keepGoing
        let results = try Terminal.orFail { try runner.run(options, observer: reporter) }
        reporter.finish()
        if json { print(RunSummary.json(pipeline: spec.name, results: results)) }
        if runner.wasCancelled {
            Terminal.error("pipe: interrupted; unfinished stages were discarded")
            throw ExitCode(130)
        }
        if results.contains(where: { $0.status == .failed }) { throw ExitCode.failure }
    }
}

extension Executor: ExpressibleByArgument {}
