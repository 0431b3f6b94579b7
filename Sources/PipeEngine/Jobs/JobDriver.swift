import Foundation
import PipeSpec

/// The `pipe run` side of a stage that runs as a job: writes its ticket and script, submits it (`sbatch`, or
/// `mpirun` for a local multi-rank stage), then waits for the outcome the job records in its folder.
///
/// The outcome file is the truth. The scheduler is asked only whether a job that recorded nothing is still
/// alive; a job that ended without an outcome (node failure, SIGKILL) is reported with its state and the end
/// of its log, unless its result reached the store before it died.
final class JobDriver: @unchecked Sendable {
    enum Target {
        case slurm(SlurmClient, SlurmSettings)
        case mpirun
    }

    let ticket: JobTicket
    let folder: JobFolder
    let target: Target
    let resources: StageResources
    let command: [String]
    let workspace: Workspace
    private let lock = NSLock()
    private var slurmID: String?
    private var process: Process?
    /// Seconds between scheduler queries while no outcome is recorded.
    var livenessInterval: TimeInterval = 1

    init(ticket: JobTicket, folder: JobFolder, target: Target, resources: StageResources, command: [String], workspace: Workspace) {
        self.ticket = ticket
        self.folder = folder
        self.target = target
        self.resources = resources
        self.command = command
        self.workspace = workspace
    }

    /// What the job is called in messages: `Slurm job 42` or `mpirun (PID 123)`.
    var name: String {
        lock.lock()
        defer { lock.unlock() }
        if let slurmID { return "Slurm job \(slurmID)" }
        return process.map { "mpirun (PID \($0.processIdentifier))" } ?? "the job"
    }

    /// Writes the ticket and starts the job.
    func submit() throws {
        try ticket.save(to: folder.ticket)
        let stageCommand = command + [folder.ticket]
        switch target {
        case .slurm(let client, let settings):
            try script(stageCommand, ranks: ticket.ranks, mpi: settings.mpi).write(toFile: folder.script, atomically: true, encoding: .utf8)
            chmod(folder.script, 0o755)
            let id = try client.submit(script: folder.script, options: sbatchOptions(settings, client: client))
            lock.lock()
            slurmID = id
            lock.unlock()
        case .mpirun:
            guard let mpirun = ToolCommand.find("mpirun") else {
                throw EngineError.executorUnavailable("stage `\(ticket.stage)` has resources.ranks: \(ticket.ranks), which needs Open MPI's mpirun on PATH (Debian: openmpi-bin); install it or set ranks: 1")
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: mpirun)
            // Each rank runs its own threads: binding a rank to one core would starve them.
            process.arguments = ["-np", "\(ticket.ranks)", "--oversubscribe", "--bind-to", "none"] + stageCommand
            var environment = ProcessInfo.processInfo.environment
            if geteuid() == 0 {
                environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
                environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
            }
            process.environment = environment
            FileManager.default.createFile(atPath: folder.log, contents: nil)
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: folder.log))
            process.standardOutput = log
            process.standardError = log
            process.standardInput = FileHandle.nullDevice
            try process.run()
            try? log.close()
            lock.lock()
            self.process = process
            lock.unlock()
        }
    }

    /// The batch script: runs the stage's one process, or its ranks through `srun`.
    private func script(_ stageCommand: [String], ranks: Int, mpi: String) -> String {
        let quoted = stageCommand.map(Self.shellQuoted).joined(separator: " ")
        let launch = ranks > 1 ? "exec srun --mpi=\(mpi) --ntasks=\(ranks) \(quoted)" : "exec \(quoted)"
        return """
        #!/bin/sh
        # Written by pipe: runs stage `\(ticket.stage)` (key \(ticket.key.prefix(12))) from the ticket beside this file.
        cd \(Self.shellQuoted(URL(fileURLWithPath: ticket.pipelineFile).deletingLastPathComponent().path)) || exit 1
        \(launch)

        """
    }

    private func sbatchOptions(_ settings: SlurmSettings, client: SlurmClient) -> [String] {
        var options = ["--job-name=pipe-\(ticket.stage)", "--output=\(folder.log)", "--open-mode=append",
                       "--ntasks=\(ticket.ranks)", "--cpus-per-task=\(resources.cores ?? 1)"]
        if let nodes = resources.nodes { options.append("--nodes=\(nodes)") }
        if let memory = resources.memory { options.append("--mem=\(memory)") }
        if let time = resources.time { options.append("--time=\(time)") }
        if let partition = resources.partition ?? settings.partition { options.append("--partition=\(partition)") }
        if let account = settings.account { options.append("--account=\(account)") }
        return options + settings.options
    }

    static func shellQuoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// Stops the job: `scancel`, or SIGTERM to mpirun (which passes it to the ranks).
    func cancel() {
        lock.lock()
        let id = slurmID, process = process
        lock.unlock()
        if let id, case .slurm(let client, _) = target { client.cancel([id]) }
        if let process, process.isRunning { kill(process.processIdentifier, SIGTERM) }
    }

    private enum Liveness {
        case alive
        case ended(String?)
        case unknown
    }

    private func liveness() -> Liveness {
        lock.lock()
        let id = slurmID, process = process
        lock.unlock()
        if let process {
            if process.isRunning { return .alive }
            let how = process.terminationReason == .uncaughtSignal ? "killed by signal \(process.terminationStatus)"
                : "exited with status \(process.terminationStatus)"
            return .ended(how)
        }
        guard let id, case .slurm(let client, _) = target else { return .ended(nil) }
        switch client.state(of: id) {
        case .active: return .alive
        case .ended(let state): return .ended(state)
        case .unknown: return .unknown
        }
    }

    /// Waits until the job recorded an outcome or died; `cancelled` is polled so an interrupt stops the job.
    func wait(cancelled: () -> Bool, onProgress: (StageProgress) -> Void, onNote: (String) -> Void) -> Result<(StageResult, ArtifactMeta), Error> {
        var lastCheck = Date.distantPast, endedAt: Date?, endState: String?
        var lastProgress: Data?
        while true {
            if let outcome = JobOutcome.load(folder.outcome) {
                for note in outcome.notes { onNote(note) }
                return finish(outcome)
            }
            if cancelled() {
                cancel()
                return .failure(EngineError.cancelled)
            }
            if let data = FileManager.default.contents(atPath: folder.progress), data != lastProgress,
               let progress = try? JSONDecoder().decode(StageProgress.self, from: data) {
                lastProgress = data
                onProgress(progress)
            }
            if Date().timeIntervalSince(lastCheck) >= livenessInterval {
                lastCheck = Date()
                switch liveness() {
                case .alive, .unknown:
                    endedAt = nil
                case .ended(let state):
                    endState = state ?? endState
                    // A job's last writes may reach this machine's view of a shared filesystem late.
                    if let endedAt, Date().timeIntervalSince(endedAt) > 3 { return died(state: endState) }
                    endedAt = endedAt ?? Date()
                }
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    private func finish(_ outcome: JobOutcome) -> Result<(StageResult, ArtifactMeta), Error> {
        switch outcome.status {
        case .committed:
            guard let meta = outcome.meta, workspace.store.meta(meta.key) != nil else {
                return .failure(EngineError.stageFailed(stage: ticket.stage, reason: "\(name) on \(outcome.host) recorded a result that is not in \(workspace.root.path); the state folder must be on a filesystem that every node shares (see README, Running on a Slurm cluster)"))
            }
            try? FileManager.default.removeItem(at: folder.url)
            return .success((StageResult(name: ticket.stage, status: .ran, seconds: meta.seconds, key: meta.key,
                                         output: workspace.store.output(meta.key), reasons: ticket.reasons), meta))
        case .failed:
            // Signals to a job reach its child processes as well; whether Slurm stopped it decides how to read the failure.
            if case .slurm = target, let state = settledState(), Self.stoppedStates.contains(where: state.hasPrefix) {
                return .failure(EngineError.stageFailed(stage: ticket.stage, reason: "\(name) was stopped before it finished: \(state)\(advice(for: state)); nothing was stored (log: \(folder.log))"))
            }
            return .failure(EngineError.stageFailed(stage: ticket.stage, reason: "\(outcome.message ?? "failed") (\(name) on \(outcome.host); log: \(folder.log))"))
        case .terminated:
            let state = settledState()
            return .failure(EngineError.stageFailed(stage: ticket.stage, reason: "\(name) was stopped before it finished\(state.map { ": \($0)" } ?? "")\(advice(for: state)); nothing was stored (log: \(folder.log))"))
        }
    }

    /// The scheduler's final word on a job that recorded its termination, once it has one (a few seconds at most).
    private func settledState() -> String? {
        for _ in 0..<20 {
            if case .ended(let state) = liveness() { return state }
            Thread.sleep(forTimeInterval: 0.5)
        }
        return nil
    }

    private static let stoppedStates = ["CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED", "DEADLINE"]

    private func advice(for state: String?) -> String {
        guard let state else { return "" }
        if state.hasPrefix("TIMEOUT") { return "; it reached its time limit\(resources.time.map { " (resources.time: \($0))" } ?? ""), so raise resources.time" }
        if state.hasPrefix("OUT_OF_MEMORY") { return "; raise resources.memory" }
        if state.hasPrefix("CANCELLED") { return "; it was cancelled (scancel)" }
        if state.hasPrefix("NODE_FAIL") { return "; its node failed, so run again" }
        return ""
    }

    private func died(state: String?) -> Result<(StageResult, ArtifactMeta), Error> {
        // It may have committed and died before recording that: the store has the last word.
        if let meta = workspace.store.meta(ticket.key),
           (try? workspace.hasher.snapshot(of: workspace.store.output(ticket.key).path))?.hash == meta.outputHash {
            try? FileManager.default.removeItem(at: folder.url)
            return .success((StageResult(name: ticket.stage, status: .ran, seconds: meta.seconds, key: meta.key,
                                         output: workspace.store.output(meta.key), reasons: ticket.reasons), meta))
        }
        let tail = folder.logTail().split(separator: "\n").map { "    \($0)" }.joined(separator: "\n")
        let hint = FileManager.default.fileExists(atPath: folder.log) ? ""
            : "; no log was written, so the job may not see \(folder.url.path): the state folder must be on a filesystem every node shares"
        return .failure(EngineError.stageFailed(stage: ticket.stage, reason: "\(name) ended without recording a result\(state.map { " (\($0))" } ?? "")\(advice(for: state))\(hint); nothing was stored. The end of its log:\n\(tail)"))
    }
}
