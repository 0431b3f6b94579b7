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

    public init() {}
}
