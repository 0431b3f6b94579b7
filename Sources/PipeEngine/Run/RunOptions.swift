import PipeSpec

/// How `pipe run` should run: which stages, forcing, parallelism and failure policy.
public struct RunOptions: Sendable {
    /// Run these stages and what they need; empty for all.
    public var stages: [String] = []
    /// Rerun the selected stages even when a result is stored.
    public var force = false
    /// Rerun every stage downstream of one that ran, even when its inputs came out unchanged.
    public var forceDownstream = false
    /// Only say what would run and why.
    public var dryRun = false
    /// Cores the scheduler may keep busy.
    public var jobs = 1
    /// After a failure, still start every stage that does not depend on it.
    public var keepGoing = false
    /// Overrides the pipeline file's `executor` (a stage with `executor: local` stays local).
    public var executor: Executor?
    /// Jobs the Slurm executor keeps submitted at once.
    public var jobsInFlight = 64
    /// The command that runs one stage from a job ticket (the ticket's path is appended), e.g.
    /// `[/usr/local/bin/pipe, stage-job]`; it must exist on every node at the same path.
    public var jobCommand: [String] = []
    /// The `--set` overrides of the run, which jobs apply again when they reload the pipeline file.
    public var overrides: [String] = []

    public init() {}
}
