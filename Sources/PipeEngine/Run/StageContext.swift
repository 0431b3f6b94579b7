import Foundation

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
    /// Each upstream stage's output folder, by stage name.
    public let inputs: [String: URL]
    public let pipeline: PipelineContext
    /// Content snapshots of the plan's external inputs, by absolute path (per-file hashes included).
    public let inputSnapshots: [String: TreeHasher.Snapshot]
    private let onProgress: @Sendable (StageProgress) -> Void
    private let onNote: @Sendable (String) -> Void
    private let lock = NSLock()
    private var processGroups: Set<pid_t> = []
    private var cancelled = false

    init(output: URL, committedOutput: URL, resumeFolder: URL, work: URL, inputs: [String: URL], pipeline: PipelineContext,
         inputSnapshots: [String: TreeHasher.Snapshot] = [:],
         onProgress: @escaping @Sendable (StageProgress) -> Void, onNote: @escaping @Sendable (String) -> Void = { _ in }) {
        self.output = output
        self.committedOutput = committedOutput
        self.resumeFolder = resumeFolder
        self.work = work
        self.inputs = inputs
        self.pipeline = pipeline
        self.inputSnapshots = inputSnapshots
        self.onProgress = onProgress
        self.onNote = onNote
    }

    /// Reports that `done` of `total` units of work (`unit`, e.g. `images`) are finished; `detail` says
    /// where the stage is, e.g. `epoch 2/10, batch 5/40`.
    public func progress(_ done: Int, of total: Int, unit: String = "", detail: String = "") {
        onProgress(StageProgress(done: done, total: total, unit: unit, detail: detail))
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
