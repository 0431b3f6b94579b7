import Foundation
import PipeSpec

/// The bookkeeping of one run (DVC's `plan`): which stages are pending, done, failed or skipped, and which
/// can start now within the core budget.
struct Schedule {
    struct Launch {
        var planned: StagePlanner.Planned
        var key: String
        var parts: KeyParts
        var reasons: [String]
        var upstreamOutputs: [String: URL]
        var upstreamKinds: [String: ArtifactKind]
        var upstreamMeta: [String: ArtifactMeta]
        /// The stored records of every stage this one depends on, directly or not, by stage name.
        var ancestorMeta: [String: ArtifactMeta]
        /// Cores booked on this machine; 0 for a Slurm job, which books one of the `jobsInFlight` slots instead.
        var cores: Int
        var placement: JobPlacement
    }

    struct Done {
        var hash: String
        var output: URL
        var ran: Bool
        var meta: ArtifactMeta
    }

    struct Decision {
        var key: String
        var parts: KeyParts
        var reasons: [String]
        var freshness: Freshness = .neverRun
    }

    let planner: StagePlanner
    let options: RunOptions
    let forced: Set<String>
    private(set) var state: PipelineState
    private var pending: [StagePlanner.Planned]
    private var decided: [String: Decision] = [:]
    private var done: [String: Done] = [:]
    private var wouldRun: Set<String> = []
    private var failed: Set<String> = []
    private var skipped: Set<String> = []
    private var results: [String: StageResult] = [:]
    private var freeCores: Int
    private var freeSlots: Int
    private var runningCount = 0
    private var firstFailure: String?

    init(planner: StagePlanner, options: RunOptions, forced: Set<String>, state: PipelineState) {
        self.planner = planner
        self.options = options
        self.forced = forced
        self.state = state
        self.pending = planner.stages
        self.freeCores = max(1, options.jobs)
        self.freeSlots = max(1, options.jobsInFlight)
    }

    var isFinished: Bool { pending.isEmpty && runningCount == 0 }

    func results(in order: [String]) -> [StageResult] { order.compactMap { results[$0] } }

    /// Settles every pending stage that can be settled now and returns the ones to start.
    mutating func advance(cancelled: Bool, workspace: Workspace, observer: any RunObserver) -> [Launch] {
        var launches: [Launch] = []
        var progressed = true
        while progressed {
            progressed = false
            for planned in pending {
                let name = planned.stage.name
                let needs = planned.stage.needs
                if let bad = needs.first(where: { failed.contains($0) || skipped.contains($0) }) {
                    settle(StageResult(name: name, status: .skipped, reasons: ["needs `\(bad)`, which \(failed.contains(bad) ? "failed" : "did not run")"]), observer)
                } else if cancelled {
                    settle(StageResult(name: name, status: .skipped, reasons: ["interrupted"]), observer)
                } else if options.dryRun, let upstream = needs.first(where: wouldRun.contains) {
                    wouldRun.insert(name)
                    let freshness: Freshness = state.stages[name] == nil ? .neverRun : .stale(reasons: ["upstream `\(upstream)` is stale"])
                    settle(StageResult(name: name, status: .wouldRun, reasons: freshness.runReasons + estimate(planned), freshness: freshness), observer)
                } else if !needs.allSatisfy({ done[$0] != nil }) {
                    continue
                } else if let failure = firstFailure, !options.keepGoing {
                    settle(StageResult(name: name, status: .skipped, reasons: ["not started after `\(failure)` failed (--keep-going runs it)"]), observer)
                } else if let launch = decide(planned, workspace: workspace, observer: observer) {
                    guard launch.cores <= freeCores, launch.placement.executor == .local || freeSlots > 0 else { continue }
                    freeCores -= launch.cores
                    if launch.placement.executor == .slurm { freeSlots -= 1 }
                    runningCount += 1
                    pending.removeAll { $0.stage.name == name }
                    launches.append(launch)
                }
                progressed = true
                break
            }
        }
        return launches
    }

    /// Takes a cached result when there is a sound one; otherwise returns what to launch (nil when settled).
    private mutating func decide(_ planned: StagePlanner.Planned, workspace: Workspace, observer: any RunObserver) -> Launch? {
        let name = planned.stage.name
        let upstream = Dictionary(uniqueKeysWithValues: planned.stage.needs.map { ($0, done[$0]!) })
        let force = forced.contains(name) || (options.forceDownstream && upstream.values.contains { $0.ran })
        let decision = decided[name] ?? {
            let parts = planner.keyParts(planned, upstream: upstream.mapValues(\.hash))
            return Decision(key: parts.key, parts: parts, reasons: [])
        }()
        if !force {
            // Checked again each time: while this stage waited for cores, an identical one may have stored the result.
            switch planner.lookup(decision.key) {
            case .stored(let meta):
                let output = workspace.store.output(decision.key)
                done[name] = Done(hash: meta.outputHash, output: output, ran: false, meta: meta)
                // A dry run writes nothing, not even the state of a result found under another pipeline's run.
                if state.stages[name]?.key != decision.key, !options.dryRun {
                    state.record(stage: name, meta: meta, finished: Date())
                    try? state.save(root: workspace.root)
                }
                settle(StageResult(name: name, status: .cached, seconds: 0, key: decision.key, output: output, freshness: .upToDate), observer)
                return nil
            case .corrupted(let why):
                observer.note("the stored result of `\(name)` (key \(decision.key.prefix(12))) is unusable: \(why); \(options.dryRun ? "a run will recompute it" : "recomputing it")")
                if !options.dryRun { workspace.store.remove(decision.key) }
            case .missing:
                break
            }
        }
        if decided[name] == nil {
            let freshness = planner.freshness(of: name, parts: decision.parts, state: state)
            let reasons = force ? ["forced"] : freshness.runReasons
            decided[name] = Decision(key: decision.key, parts: decision.parts, reasons: reasons, freshness: freshness)
        }
        let reasons = decided[name]!.reasons
        if options.dryRun {
            wouldRun.insert(name)
            settle(StageResult(name: name, status: .wouldRun, key: decision.key, reasons: reasons + estimate(planned),
                               freshness: decided[name]!.freshness), observer)
            return nil
        }
        let placement = JobPlacement(stage: planned.stage, spec: planner.spec, override: options.executor)
        return Launch(planned: planned, key: decision.key, parts: decision.parts, reasons: reasons,
                      upstreamOutputs: upstream.mapValues(\.output),
                      upstreamKinds: Dictionary(uniqueKeysWithValues: upstream.keys.map { name in
                          (name, planner.stages.first { $0.stage.name == name }?.kind.produces ?? .files)
                      }),
                      upstreamMeta: upstream.mapValues(\.meta),
                      ancestorMeta: ancestors(of: planned.stage),
                      cores: placement.executor == .slurm ? 0 : max(1, min(planned.plan.cores * placement.ranks, max(1, options.jobs))),
                      placement: placement)
    }

    /// The records of the finished stages `stage` depends on through `needs`, however far up.
    private func ancestors(of stage: StageSpec) -> [String: ArtifactMeta] {
        var found: [String: ArtifactMeta] = [:]
        var waiting = stage.needs
        while let name = waiting.popLast() {
            guard found[name] == nil, let result = done[name] else { continue }
            found[name] = result.meta
            waiting += planner.spec.stage(named: name)?.needs ?? []
        }
        return found
    }

    /// A dry run's time estimate for `planned`, from the kind and the upstream results already stored.
    private func estimate(_ planned: StagePlanner.Planned) -> [String] {
        let upstream = Dictionary(uniqueKeysWithValues: planned.stage.needs.compactMap { name in done[name].map { (name, $0.output) } })
        return planned.kind.estimate(planned.stage, upstream: upstream, pipeline: planner.context).map { [$0] } ?? []
    }

    /// Books a finished launch: a result joins `done` and the state file; a failure blocks its dependents.
    mutating func complete(_ launch: Launch, outcome: Result<(StageResult, ArtifactMeta), Error>, cancelled: Bool,
                           workspace: Workspace, observer: any RunObserver) {
        freeCores += launch.cores
        if launch.placement.executor == .slurm { freeSlots += 1 }
        runningCount -= 1
        let name = launch.planned.stage.name
        switch outcome {
        case .success(let (result, meta)):
            done[name] = Done(hash: meta.outputHash, output: result.output!, ran: true, meta: meta)
            state.record(stage: name, meta: meta, finished: Date())
            try? state.save(root: workspace.root)
            results[name] = result
            observer.stageFinished(result)
        case .failure(let error):
            if cancelled || (error as? EngineError) == .cancelled {
                settle(StageResult(name: name, status: .skipped, reasons: ["interrupted"]), observer)
            } else {
                failed.insert(name)
                if firstFailure == nil { firstFailure = name }
                var reason: String
                if case EngineError.stageFailed(_, let why) = error { reason = why } else { reason = "\(error)" }
                reason += FreeSpace.note(for: workspace.root.path)
                let result = StageResult(name: name, status: .failed, key: launch.key, reasons: [reason])
                results[name] = result
                observer.stageFinished(result)
            }
        }
    }

    private mutating func settle(_ result: StageResult, _ observer: any RunObserver) {
        pending.removeAll { $0.stage.name == result.name }
        if result.status == .skipped { skipped.insert(result.name) }
        results[result.name] = result
        observer.stageFinished(result)
    }
}
