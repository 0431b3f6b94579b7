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
            for launch in launches { start(launch, planner: planner, options: options, observer: observer) }
            if schedule.isFinished { break }
            if launches.isEmpty && finished.isEmpty { condition.wait() }
        }
        condition.unlock()
        if !options.dryRun { workspace.saveCache() }
        return schedule.results(in: planner.stages.map(\.stage.name))
    }

    /// Starts one stage on its own thread; called with the condition locked.
    private func start(_ launch: Schedule.Launch, planner: StagePlanner, options: RunOptions, observer: any RunObserver) {
        let name = launch.planned.stage.name
        let folder: URL
        do {
            folder = try workspace.store.makeRunFolder(stage: name)
        } catch {
            finished.append((launch, .failure(error), nil))
            return
        }
        if launch.placement.runsAsJob {
            startJob(launch, folder: folder, options: options, observer: observer)
            return
        }
        let snapshots = planner.inputs.filter { path, _ in launch.planned.plan.externalInputs.contains { $0.path == path } }
        let context = StageContext(output: folder.appendingPathComponent("out"), committedOutput: workspace.store.output(launch.key),
                                   resumeFolder: workspace.store.resumeFolder(launch.key),
                                   work: folder.appendingPathComponent("work"),
                                   inputs: launch.upstreamOutputs, pipeline: pipelineContext, inputSnapshots: snapshots,
                                   stage: name, inputKinds: launch.upstreamKinds, provenance: launch.ancestorMeta,
                                   onProgress: { [weak observer] progress in observer?.stageProgress(name, progress) },
                                   onNote: { [weak observer] message in observer?.note("\(name): \(message)") })
        running[name] = context
        observer.stageStarted(name, reasons: launch.reasons)
        let execution = StageExecution(workspace: workspace, pipeline: spec.name, planned: launch.planned, key: launch.key,
                                       parts: launch.parts, reasons: launch.reasons, inputsBefore: snapshots)
        Thread.detachNewThread { [self] in
            let outcome = Result {
                try execution.run(folder: folder, context: context, stillWanted: { !wasCancelled })
            }
            condition.lock()
            running[name] = nil
            finished.append((launch, outcome, folder))
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Starts a stage as a job (Slurm, or mpirun for local ranks) and a thread that waits for its outcome;
    /// called with the condition locked.
    private func startJob(_ launch: Schedule.Launch, folder: URL, options: RunOptions, observer: any RunObserver) {
        let name = launch.planned.stage.name
        let driver: JobDriver
        do {
            driver = try makeDriver(launch, folder: folder, options: options)
            try driver.submit()
        } catch {
            finished.append((launch, .failure(EngineError.stageFailed(stage: name, reason: "\(error)")), folder))
            return
        }
        observer.stageStarted(name, reasons: launch.reasons + ["submitted as \(driver.name)"])
        Thread.detachNewThread { [self] in
            let outcome = driver.wait(cancelled: { wasCancelled },
                                      onProgress: { [weak observer] progress in observer?.stageProgress(name, progress) },
                                      onNote: { [weak observer] message in observer?.note("\(name): \(message)") })
            condition.lock()
            finished.append((launch, outcome, folder))
            condition.broadcast()
            condition.unlock()
        }
    }

    private var slurm: Result<SlurmClient, Error>?
    /// The largest node of the partition, asked once per run (`sinfo`); nil inside when Slurm did not say.
    private lazy var largestNode = slurm.flatMap { try? $0.get() }?.largestNode(partition: spec.slurm.partition)

    private func makeDriver(_ launch: Schedule.Launch, folder: URL, options: RunOptions) throws -> JobDriver {
        guard !options.jobCommand.isEmpty else {
            throw EngineError.executorUnavailable("this pipe cannot start jobs (no job command was configured)")
        }
        let stage = launch.planned.stage
        var resources = stage.resources.filled(from: launch.planned.kind.defaultResources)
        resources.cores = resources.cores ?? launch.planned.plan.cores
        resources.ranks = launch.placement.ranks
        let target: JobDriver.Target
        if launch.placement.executor == .slurm {
            if slurm == nil { slurm = Result { try SlurmClient() } }
            let client = try slurm!.get()
            // A kind's default asks no more than the biggest node has; what a stage asks for itself is sent as it is.
            if let node = stage.resources.partition == nil ? largestNode : client.largestNode(partition: stage.resources.partition) {
                if stage.resources.cores == nil { resources.cores = min(resources.cores ?? 1, node.cores) }
                if stage.resources.memory == nil, let memory = resources.memory, let mb = Self.megabytes(memory), mb > node.memoryMB {
                    resources.memory = "\(node.memoryMB)M"
                }
            }
            target = .slurm(client, spec.slurm)
        } else {
            target = .mpirun
        }
        let jobFolder = try JobFolder.create(in: workspace.root, stage: stage.name)
        let upstream = Dictionary(uniqueKeysWithValues: launch.upstreamOutputs.map { name, output in
            (name, JobTicket.Upstream(output: output.path, meta: launch.upstreamMeta[name]!))
        })
        let ticket = JobTicket(pipelineFile: file.path, pipelineFileHash: fileHash, overrides: options.overrides, stage: stage.name,
                               key: launch.key, parts: launch.parts, reasons: launch.reasons, store: workspace.root.standardizedFileURL.path,
                               runFolder: folder.path, upstream: upstream, ranks: launch.placement.ranks, ancestors: launch.ancestorMeta)
        return JobDriver(ticket: ticket, folder: jobFolder, target: target, resources: resources, command: options.jobCommand,
                         workspace: workspace)
    }

    /// Slurm's memory notation (`16G`, `500M`, plain numbers in MB) in MB.
    static func megabytes(_ text: String) -> Int? {
        let unit = text.last.flatMap { $0.isLetter ? $0 : nil }
        guard let number = Int(unit == nil ? text : String(text.dropLast())) else { return nil }
        switch unit {
        case "K": return number / 1024
        case "G": return number * 1024
        case "T": return number * 1024 * 1024
        default: return number
        }
    }
}
