import ArgumentParser
import Foundation
import PipeEngine

/// Deletes stored results that no pipeline of the workspace refers to any more.
struct Gc: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove stored results no pipeline refers to, and print the space freed.",
        discussion: """
            A result is kept when it is among the last N results of a stage of a pipeline whose file still \
            exists (or, with --pipeline, of the named pipelines only). The resume state of interrupted \
            fine-tunes is removed too.
            """
    )

    @OptionGroup var state: StateOptions

    @Option(name: .customLong("keep-last"), help: ArgumentHelp("Keep each stage's N most recent results.", valueName: "N"))
    var keepLast: Int = 1

    @Option(name: .customLong("pipeline"), help: ArgumentHelp("Keep only the results of these pipeline files (repeatable).", valueName: "FILE"))
    var pipelines: [String] = []

    @Flag(name: .customLong("dry-run"), help: "Print what would be removed.")
    var dryRun = false

    func validate() throws {
        if keepLast < 1 { throw ValidationError("--keep-last must be at least 1") }
    }

    func run() throws {
        let workspace = try Terminal.orFail { try Workspace(root: state.url) }
        let lock = try Terminal.orFail { try workspace.lock(wait: true) { pid in
            Terminal.error("pipe: waiting for the run\(pid.map { " with PID \($0)" } ?? "") that holds \(state.stateDirectory)/lock ...")
        } }
        defer { lock.release() }
        let named = Set(pipelines.map { URL(fileURLWithPath: $0).standardizedFileURL.path })
        var keep = Set<String>()
        var inputHashes = Set<String>()
        for pipelineState in PipelineState.all(root: workspace.root) {
            let wanted = named.isEmpty ? FileManager.default.fileExists(atPath: pipelineState.file) : named.contains(pipelineState.file)
            guard wanted else { continue }
            for record in pipelineState.stages.values {
                keep.formUnion(([record.key] + record.history).prefix(keepLast))
                inputHashes.formUnion(record.parts.inputs.values)
            }
        }
        if !dryRun { removeListings(except: inputHashes, in: workspace.root) }
        var freed: Int64 = 0
        var removed = 0
        for key in workspace.store.keys() where !keep.contains(key) {
            freed += workspace.store.size(of: key)
            removed += 1
            if !dryRun {
                workspace.store.remove(key)
                workspace.hasher.cache.forget(under: workspace.store.entry(key).path)
            }
        }
        if !dryRun {
            workspace.hasher.cache.forgetMissing()
            // Resume state of interrupted stages: a rerun would resume from it; gc starts them afresh.
            try? FileManager.default.removeItem(at: workspace.root.appendingPathComponent("resume"))
        }
        workspace.saveCache()
        let verb = dryRun ? "would remove" : "removed"
        print("\(verb) \(removed) stored result\(removed == 1 ? "" : "s"), \(Self.bytes(freed)) \(dryRun ? "to free" : "freed"); kept \(keep.count)")
    }

    /// Drops the file listings of input folders that no kept result was made from.
    private func removeListings(except kept: Set<String>, in root: URL) {
        let folder = root.appendingPathComponent("trees")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where !kept.contains(name) {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }

    static func bytes(_ n: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(n)
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(n) B" : String(format: "%.1f %@", value, units[unit])
    }
}
