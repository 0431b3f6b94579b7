import Foundation
import PipeBase

/// Where a running stage writes, what it reads, and how it reports progress or learns of cancellation.
public final class StageContext: @unchecked Sendable {
    /// The folder the stage writes its result into; it becomes the stored output on success.
    public let output: URL
    /// Where `output` will be once the result is committed: for paths written into the result itself
    /// (a manifest naming files of this stage's output must name them here).
    public let committedOutput: URL
    /// A folder that survives a killed or failed run of this same stage key and is deleted once its result
    /// is committed: where long stages keep what they need to resume. Created on first use.
    public let resumeFolder: URL
    /// A folder for logs and scratch files that are not part of the result.
    public let work: URL
    /// The stage's (expanded) name.
    public let stage: String
    /// Each upstream stage's output folder, by stage name; `input(_:)` finds one by what it holds.
    public let inputs: [String: URL]
    /// What each upstream stage's output holds, by stage name.
    public let inputKinds: [String: ArtifactKind]
    private let provenance: [String: ArtifactMeta]
    public let pipeline: PipelineContext
    /// Content snapshots of the plan's external inputs, by absolute path (per-file hashes included).
    public let inputSnapshots: [String: TreeHasher.Snapshot]
    private let onProgress: @Sendable (StageProgress) -> Void
    private let onNote: @Sendable (String) -> Void
    /// The ranks of a data-parallel stage (one process unless the launcher sets another); only the leader, rank 0,
    /// writes results and resume state.
    public var communicator: any Communicator = SingleProcess()
    /// Whether this process is rank 0.
    public var isLeader: Bool { communicator.rank == 0 }
    private let lock = NSLock()
    private var processGroups: Set<pid_t> = []
    private var cancelled = false
    private var shelvesUsed: Set<String> = []

    init(output: URL, committedOutput: URL, resumeFolder: URL, work: URL, inputs: [String: URL], pipeline: PipelineContext,
         inputSnapshots: [String: TreeHasher.Snapshot] = [:], stage: String = "", inputKinds: [String: ArtifactKind] = [:],
         provenance: [String: ArtifactMeta] = [:], onProgress: @escaping @Sendable (StageProgress) -> Void, onNote: @escaping @Sendable (String) -> Void = { _ in }) {
        self.output = output
        self.committedOutput = committedOutput
        self.resumeFolder = resumeFolder
        self.work = work
        self.inputs = inputs
        self.stage = stage
        self.inputKinds = inputKinds
        self.provenance = provenance
        self.pipeline = pipeline
        self.inputSnapshots = inputSnapshots
        self.onProgress = onProgress
        self.onNote = onNote
    }

    /// The one upstream output that provides `kind`; an error naming the stages when none or several do.
    public func input(_ kind: ArtifactKind) throws -> UpstreamArtifact {
        let found = inputs(kind)
        guard found.count == 1 else {
            throw found.isEmpty
                ? EngineError.missingArtifact(stage: stage, wanted: kind.phrase, needs: inputs.keys.sorted())
                : EngineError.ambiguousArtifact(stage: stage, wanted: kind.noun, producers: found.map(\.stage))
        }
        return found[0]
    }

    /// Every upstream output that provides `kind`, by stage name.
    public func inputs(_ kind: ArtifactKind) -> [UpstreamArtifact] {
        inputs.keys.sorted().compactMap { name in
            guard let produced = inputKinds[name], produced.provides(kind) else { return nil }
            return UpstreamArtifact(stage: name, folder: inputs[name]!, kind: produced)
        }
    }

    /// The store's record of an upstream stage's result (its key, the time it took, the build that made it,
    /// what its key was made of), for provenance; nil for a stage this one does not depend on.
    public func provenance(of upstream: String) -> ArtifactMeta? { provenance[upstream] }

    /// The records of every stage this one depends on, directly or through others, by stage name.
    public var lineage: [String: ArtifactMeta] { provenance }

    /// Reports that `done` of `total` units of work (`unit`, e.g. `images`) are finished; `detail` says
    /// where the stage is, e.g. `epoch 2/10, batch 5/40`; `epoch` is the last finished epoch's summary.
    public func progress(_ done: Int, of total: Int, unit: String = "", detail: String = "", epoch: StageProgress.Epoch? = nil) {
        onProgress(StageProgress(done: done, total: total, unit: unit, detail: detail, epoch: epoch))
    }

    /// The cache shelf `name` of the store, shared with every other run (in the work folder when there is no
    /// store); the result records that it used it, so gc keeps the shelf as long as the result.
    public func shelf(_ name: String) -> CacheShelf {
        lock.lock()
        shelvesUsed.insert(name)
        lock.unlock()
        return CacheShelf(name: name, in: (pipeline.store ?? work).appendingPathComponent("shelves"))
    }

    /// The names of the shelves this stage used, sorted.
    public var usedShelves: [String] {
        lock.lock()
        defer { lock.unlock() }
        return shelvesUsed.sorted()
    }

    /// Tells the user something worth knowing (a warning) while the stage runs.
    public func note(_ message: String) { onNote(message) }

    /// True once the run was interrupted; long loops should stop and throw `EngineError.cancelled`.
    public var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }

    /// Registers a child process group so an interrupt can terminate it.
    public func adopt(processGroup: pid_t) {
        lock.lock()
        let alreadyCancelled = cancelled
        processGroups.insert(processGroup)
        lock.unlock()
        if alreadyCancelled { kill(-processGroup, SIGTERM) }
    }

    public func release(processGroup: pid_t) {
        lock.lock()
        processGroups.remove(processGroup)
        lock.unlock()
    }

    /// Marks the stage cancelled and sends SIGTERM to its child process groups.
    func cancel() {
        lock.lock()
        cancelled = true
        let groups = processGroups
        lock.unlock()
        for group in groups { kill(-group, SIGTERM) }
    }
}
