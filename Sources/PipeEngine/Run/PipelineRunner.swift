import Foundation
import PipeSpec

/// Runs a pipeline's stages in dependency order, in parallel up to the core budget, reusing stored results.
///
/// A stage's key is known once its upstream results are: a stage that reran with an unchanged output
/// leaves its dependents' keys, and so their cached results, as they were (early cutoff).
public final class PipelineRunner: @unchecked Sendable {
    private let spec: PipelineSpec
    private let file: URL
    private let workspace: Workspace
    private let kinds: [String: any StageKind]
    private let condition = NSCondition()
    private var running: [String: StageContext] = [:]
    private var finished: [(Schedule.Launch, Result<(StageResult, ArtifactMeta), Error>, URL?)] = []
    private var cancelled = false

    public init(spec: PipelineSpec, file: URL, workspace: Workspace, kinds: [String: any StageKind]) {
        self.spec = spec
        self.file = file.standardizedFileURL
        self.workspace = workspace
        self.kinds = kinds
    }

    private lazy var fileHash = try? ContentHasher.sha256(file: file.path)

    var pipelineContext: PipelineContext {
        PipelineContext(name: spec.name, directory: file.deletingLastPathComponent(), seed: spec.seed, file: file, fileHash: fileHash,
                        store: workspace.root.standardizedFileURL)
    }

    /// Interrupts the run: running stages are told to stop and their child processes get SIGTERM.
    public func cancel() {
        condition.lock()
        cancelled = true
        let contexts = Array(running.values)
        condition.broadcast()
        condition.unlock()
        for context in contexts { context.cancel() }
    }

    public var wasCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }

    /// Runs (or with `dryRun`, plans) the pipeline and returns each selected stage's result in pipeline order.
    public func run(_ options: RunOptions, observer: any RunObserver) throws -> [StageResult] {
        let planner = try StagePlanner(spec: spec, context: pipelineContext, workspace: workspace, kinds: kinds,
                                       selected: options.stages, recordListings: !options.dryRun)
        let forced = options.force ? try StagePlanner.closure(of: options.stages, in: spec).filter { name in
            options.stages.isEmpty || options.stages.contains(name)
                || options.stages.contains(spec.stage(named: name)?.declaredName ?? "")
        } : []
        var schedule = Schedule(planner: planner, options: options, forced: Set(forced),
                                state: PipelineState.load(root: workspace.root, pipeline: spec.name, file: file.path))
        condition.lock()
        while true {
            for (launch, outcome, folder) in finished {
                if case .failure = outcome, let folder { try? FileManager.default.removeItem(at: folder) }
                schedule.complete(launch, outcome: outcome, cancelled: cancelled, workspace: workspace, observer: observer)
            }
            finished.removeAll()
            let launches = schedule.advance(cancelled: cancelled, workspace: workspace, observer: observer)
            for launch in launches { start(launch, planner: planner, observer: observer) }
            if schedule.isFinished { break }
            if launches.isEmpty && finished.isEmpty { condition.wait() }
        }
        condition.unlock()
        if !options.dryRun { workspace.saveCache() }
        return schedule.results(in: planner.stages.map(\.stage.name))
    }

    /// Starts one stage on its own thread; called with the condition locked.
    private func start(_ launch: Schedule.Launch, planner: StagePlanner, observer: any RunObserver) {
        let name = launch.planned.stage.name
        let folder: URL
        do {
            folder = try workspace.store.makeRunFolder(stage: name)
        } catch {
            finished.append((launch, .failure(error), nil))
            return
        }
        let snapshots = planner.inputs.filter { path, _ in launch.planned.plan.externalInputs.contains { $0.path == path } }
        let context = StageContext(output: folder.appendingPathComponent("out"), committedOutput: workspace.store.output(launch.key),
                                   resumeFolder: workspace.store.resumeFolder(launch.key),
                                   work: folder.appendingPathComponent("work"),
                                   inputs: launch.upstreamOutputs, pipeline: pipelineContext, inputSnapshots: snapshots,
                                   stage: name, inputKinds: launch.upstreamKinds, provenance: launch.upstreamMeta,
                                   onProgress: { [weak observer] progress in observer?.stageProgress(name, progress) },
                                   onNote: { [weak observer] message in observer?.note("\(name): \(message)") })
        running[name] = context
        observer.stageStarted(name, reasons: launch.reasons)
        Thread.detachNewThread { [self] in
            let outcome = Result { () throws -> (StageResult, ArtifactMeta) in
                let started = Date()
                try launch.planned.kind.run(launch.planned.stage, plan: launch.planned.plan, context: context)
                let seconds = Date().timeIntervalSince(started)
                if context.isCancelled { throw EngineError.cancelled }
                try checkInputsUnchanged(launch.planned, planner: planner)
                return try commit(launch, folder: folder, seconds: seconds)
            }
            condition.lock()
            running[name] = nil
            finished.append((launch, outcome, folder))
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Refuses a result when an external input changed while the stage ran.
    private func checkInputsUnchanged(_ planned: StagePlanner.Planned, planner: StagePlanner) throws {
        for url in planned.plan.externalInputs {
            guard let before = planner.inputs[url.path] else { continue }
            let changed = workspace.hasher.changedFiles(at: url.path, since: before)
            if changed.isEmpty { continue }
            if (try? workspace.hasher.snapshot(of: url.path))?.hash != before.hash {
                throw EngineError.inputChanged(stage: planned.stage.name, path: url.path,
                                               files: changed.map { $0.isEmpty ? url.lastPathComponent : $0 })
            }
        }
    }

    /// Seals and hashes the output, then renames the run folder into the store; returns the result and its meta record.
    private func commit(_ launch: Schedule.Launch, folder: URL, seconds: Double) throws -> (StageResult, ArtifactMeta) {
        let out = folder.appendingPathComponent("out")
        workspace.store.seal(out)
        let snapshot = try workspace.hasher.snapshot(of: out.path)
        let meta = ArtifactMeta(key: launch.key, outputHash: snapshot.hash, stage: launch.planned.stage.name,
                                pipeline: spec.name, parts: launch.parts, seconds: seconds, created: Date())
        condition.lock()
        let cancelledNow = cancelled
        condition.unlock()
        if cancelledNow { throw EngineError.cancelled }
        let entry = try workspace.store.commit(runFolder: folder, meta: meta)
        try? FileManager.default.removeItem(at: workspace.store.resumeFolder(launch.key))
        let output = entry.appendingPathComponent("out")
        workspace.hasher.remember(snapshot, movedTo: output.path)
        return (StageResult(name: meta.stage, status: .ran, seconds: seconds, key: meta.key, output: output,
                            reasons: launch.reasons), meta)
    }
}
