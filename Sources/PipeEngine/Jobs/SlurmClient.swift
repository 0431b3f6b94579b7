import Foundation

/// The Slurm commands the executor uses: `sbatch` to submit, `squeue`/`scontrol`/`sacct` only to learn
/// whether a job that wrote no outcome is still alive, `scancel` to stop jobs, `sinfo` for node sizes.
struct SlurmClient: Sendable {
    /// What Slurm says of a job.
    enum JobState: Equatable {
        /// Pending, running, completing, suspended...
        case active(String)
        /// In a final state (COMPLETED, FAILED, CANCELLED, TIMEOUT, NODE_FAIL, OUT_OF_MEMORY, ...), or purged.
        case ended(String?)
        /// The controller did not answer; nothing can be concluded.
        case unknown(String)
    }

    let sbatch: String
    private let bin: String

    /// Finds the Slurm client commands, or says how to get them.
    init() throws {
        guard let sbatch = ToolCommand.find("sbatch") else {
            throw EngineError.executorUnavailable("the slurm executor needs Slurm's client commands (sbatch, squeue, scancel) on PATH; install them (Debian: slurm-client) or run with --executor local")
        }
        self.sbatch = sbatch
        bin = URL(fileURLWithPath: sbatch).deletingLastPathComponent().path
    }

    private func tool(_ name: String) -> String { ToolCommand.find(name) ?? "\(bin)/\(name)" }

    /// Submits `script` with `options`; returns the job id.
    func submit(script: String, options: [String]) throws -> String {
        let output = try ToolCommand.run(sbatch, ["--parsable"] + options + [script])
        let id = output.stdout.split(separator: "\n").last.map { String($0.split(separator: ";")[0]).trimmingCharacters(in: .whitespaces) } ?? ""
        guard output.succeeded, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            let why = (output.stderr + output.stdout).trimmingCharacters(in: .whitespacesAndNewlines)
            throw EngineError.executorUnavailable("sbatch refused the job: \(why.isEmpty ? "exit status \(output.status)" : why)")
        }
        return id
    }

    private static let finalStates: Set<String> = ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED",
                                                   "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE", "REVOKED", "SPECIAL_EXIT"]

    func state(of id: String) -> JobState {
        guard let output = try? ToolCommand.run(tool("squeue"), ["-h", "-j", id, "-o", "%T"]) else { return .unknown("squeue did not start") }
        let state = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        if output.succeeded {
            if state.isEmpty { return .ended(finalState(of: id)) }
            return Self.finalStates.contains(state) ? .ended(state) : .active(state)
        }
        if output.stderr.contains("Invalid job id") { return .ended(finalState(of: id)) }
        return .unknown(output.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The final state and reason of an ended job, from `scontrol` (until the controller forgets the job)
    /// or `sacct` (when accounting is set up); nil when neither knows.
    func finalState(of id: String) -> String? {
        if let output = try? ToolCommand.run(tool("scontrol"), ["show", "job", id, "-o"]), output.succeeded {
            let fields = Dictionary(output.stdout.split(separator: " ").compactMap { field -> (String, String)? in
                let pair = field.split(separator: "=", maxSplits: 1)
                return pair.count == 2 ? (String(pair[0]), String(pair[1]).trimmingCharacters(in: .whitespacesAndNewlines)) : nil
            }, uniquingKeysWith: { first, _ in first })
            if let state = fields["JobState"] {
                let reason = fields["Reason"].flatMap { $0 == "None" ? nil : $0 }
                return state + (reason.map { " (\($0))" } ?? "") + (fields["ExitCode"].map { ", exit code \($0)" } ?? "")
            }
        }
        if let output = try? ToolCommand.run(tool("sacct"), ["-j", id, "-X", "-n", "-P", "-o", "State,ExitCode"]), output.succeeded {
            let line = output.stdout.split(separator: "\n").first.map(String.init) ?? ""
            if !line.isEmpty { return line.replacingOccurrences(of: "|", with: ", exit code ") }
        }
        return nil
    }

    func cancel(_ ids: [String]) {
        guard !ids.isEmpty else { return }
        _ = try? ToolCommand.run(tool("scancel"), ids)
    }

    /// The most cores and memory (MB) a node of `partition` (the default one when nil) has.
    func largestNode(partition: String?) -> (cores: Int, memoryMB: Int)? {
        let arguments = ["-h", "-o", "%c %m"] + (partition.map { ["-p", $0] } ?? [])
        guard let output = try? ToolCommand.run(tool("sinfo"), arguments), output.succeeded else { return nil }
        let sizes = output.stdout.split(separator: "\n").compactMap { line -> (Int, Int)? in
            let fields = line.split(separator: " ").map { Int($0.filter(\.isNumber)) }
            guard fields.count == 2, let cores = fields[0], let memory = fields[1] else { return nil }
            return (cores, memory)
        }
        guard let cores = sizes.map(\.0).max(), let memory = sizes.map(\.1).max() else { return nil }
        return (cores, memory)
    }
}
