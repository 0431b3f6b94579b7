import Dispatch
import Foundation
import PipeSpec

/// The inside of a batch job: runs the one stage a `JobTicket` names against the shared store and records
/// how it ended in the job's folder (`pipe stage-job TICKET`).
///
/// With several ranks, every rank runs the stage and only the leader writes: the others get a private
/// output folder that is deleted afterwards.
public struct StageJob {
    public let ticket: JobTicket
    public let folder: JobFolder
    public let spec: PipelineSpec
    public let kinds: [String: any StageKind]
    /// Whether this process commits the result and records the outcome (rank 0).
    public var isLeader = true
    /// A suffix for followers' private folders, e.g. the rank.
    public var followerName = "rank"

    public init(ticket: JobTicket, folder: JobFolder, spec: PipelineSpec, kinds: [String: any StageKind]) {
        self.ticket = ticket
        self.folder = folder
        self.spec = spec
        self.kinds = kinds
    }

    /// Runs the stage; `configure` sees the context first (to give it a communicator). Returns the exit status:
    /// 0 committed, 1 failed, 143 terminated by a signal.
    public func run(configure: (StageContext) -> Void = { _ in }) -> Int32 {
        let notes = NoteLog()
        let trap = JobSignals()
        Self.log("pipe: stage `\(ticket.stage)` (key \(ticket.key.prefix(12))) started on \(Self.host)\(isLeader ? "" : " as \(followerName)") at \(Date())")
        do {
            let result = try execute(notes: notes, trap: trap, configure: configure)
            guard isLeader else { return 0 }
            try record(JobOutcome(status: .committed, meta: result, message: nil, notes: notes.all, host: Self.host))
            Self.log("pipe: stage `\(ticket.stage)` committed as \(ticket.key.prefix(12))")
            return 0
        } catch {
            // A signal to the whole job reaches the stage's child processes too, which may fail first.
            if trap.received == nil { Thread.sleep(forTimeInterval: 0.5) }
            let terminated = trap.received != nil
            let message = terminated ? "the job received \(trap.received!) (scancel, a time limit or a node shutting down) before it finished"
                : (error as? EngineError).map { error in
                    if case .stageFailed(_, let reason) = error { return reason }
                    return error.description
                } ?? "\(error)"
            FileHandle.standardError.write(Data("pipe: stage `\(ticket.stage)`: \(message)\n".utf8))
            if isLeader {
                try? record(JobOutcome(status: terminated ? .terminated : .failed, meta: nil, message: message,
                                       notes: notes.all, host: Self.host))
            }
            return terminated ? 143 : 1
        }
    }

    private func execute(notes: NoteLog, trap: JobSignals, configure: (StageContext) -> Void) throws -> ArtifactMeta {
        guard let stage = spec.stage(named: ticket.stage) else {
            throw EngineError.stageFailed(stage: ticket.stage, reason: "the pipeline file no longer has this stage; run `pipe run` again")
        }
        guard let kind = kinds[stage.kind] else { throw EngineError.unknownKind(stage: stage.name, kind: stage.kind) }
        let file = URL(fileURLWithPath: ticket.pipelineFile)
        let fileHash = try? ContentHasher.sha256(file: file.path)
        let workspace = try Workspace(root: URL(fileURLWithPath: ticket.store), create: false)
        let pipeline = PipelineContext(name: spec.name, directory: file.deletingLastPathComponent(), seed: spec.seed, file: file,
                                       fileHash: fileHash, store: workspace.root.standardizedFileURL)
        let plan = try kind.plan(stage, pipeline: pipeline)
        var snapshots: [String: TreeHasher.Snapshot] = [:]
        for url in plan.externalInputs { snapshots[url.path] = try workspace.hasher.snapshot(of: url.path) }
        let planned = StagePlanner.Planned(stage: stage, kind: kind, plan: plan)
        let parts = StagePlanner.keyParts(planned, seed: spec.seed, upstream: ticket.upstream.mapValues(\.meta.outputHash),
                                          inputs: snapshots, paths: pipeline.paths)
        guard parts.key == ticket.key else {
            let why = parts.differences(from: ticket.parts)
            throw EngineError.stageFailed(stage: stage.name, reason: "its key changed after the job was submitted (\(why.isEmpty ? "pipe's code changed" : why.joined(separator: "; "))); nothing was stored; run `pipe run` again")
        }
        let runFolder = URL(fileURLWithPath: ticket.runFolder)
        let folderForThisProcess = isLeader ? runFolder : runFolder.appendingPathComponent("\(followerName)")
        if !isLeader {
            try FileManager.default.createDirectory(at: folderForThisProcess.appendingPathComponent("out"), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: folderForThisProcess.appendingPathComponent("work"), withIntermediateDirectories: true)
        }
        defer { if !isLeader { try? FileManager.default.removeItem(at: folderForThisProcess) } }
        let progressPath = folder.progress, leader = isLeader
        let throttle = ProgressThrottle()
        let context = StageContext(
            output: folderForThisProcess.appendingPathComponent("out"), committedOutput: workspace.store.output(ticket.key),
            resumeFolder: workspace.store.resumeFolder(ticket.key), work: folderForThisProcess.appendingPathComponent("work"),
            inputs: ticket.upstream.mapValues { URL(fileURLWithPath: $0.output) }, pipeline: pipeline, inputSnapshots: snapshots,
            stage: stage.name,
            inputKinds: Dictionary(uniqueKeysWithValues: stage.needs.map { name in
                (name, spec.stage(named: name).flatMap { kinds[$0.kind]?.produces } ?? .files)
            }),
            provenance: ticket.ancestors ?? ticket.upstream.mapValues(\.meta),
            onProgress: { progress in
                guard leader, throttle.due(epoch: progress.epoch?.number) else { return }
                if let data = try? JSONEncoder().encode(progress) { try? AtomicFile.write(data, to: progressPath, durable: false) }
            },
            onNote: { message in
                notes.add(message)
                Self.log("note: \(message)")
            })
        trap.install { context.cancel() }
        configure(context)
        if !isLeader {
            try kind.run(stage, plan: plan, context: context)
            return ArtifactMeta(key: ticket.key, outputHash: "", stage: stage.name, pipeline: spec.name, parts: parts, seconds: 0, created: Date())
        }
        let execution = StageExecution(workspace: workspace, pipeline: spec.name, planned: planned, key: ticket.key, parts: parts,
                                       reasons: ticket.reasons, inputsBefore: snapshots)
        let (_, meta) = try execution.run(folder: runFolder, context: context, stillWanted: { trap.received == nil })
        workspace.saveCache()
        return meta
    }

    private func record(_ outcome: JobOutcome) throws { try outcome.save(to: folder.outcome) }

    static var host: String { ProcessInfo.processInfo.hostName }

    /// A line in the job's log, written through at once: a job killed with SIGKILL loses nothing it logged.
    static func log(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}

/// Notes a job's stage made, kept for its outcome record.
private final class NoteLog: @unchecked Sendable {
    private let lock = NSLock()
    private var notes: [String] = []
    func add(_ note: String) { lock.lock(); notes.append(note); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return notes }
}

/// Lets progress through at most twice a second, and at once when it reports a newly finished epoch
/// (so the run's log gets a line for every epoch).
private final class ProgressThrottle: @unchecked Sendable {
    private let lock = NSLock()
    private var last = Date.distantPast
    private var lastEpoch: Int?
    func due(epoch: Int?) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard Date().timeIntervalSince(last) >= 0.5 || epoch != lastEpoch else { return false }
        last = Date()
        lastEpoch = epoch
        return true
    }
}
