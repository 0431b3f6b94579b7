import Foundation
import PipeSpec

/// Runs one stage into its run folder and commits the result: the same path whether the stage runs on a
/// thread of `pipe run` or in a batch job (`StageJob`).
struct StageExecution {
    let workspace: Workspace
    let pipeline: String
    let planned: StagePlanner.Planned
    let key: String
    let parts: KeyParts
    let reasons: [String]
    /// Snapshots of the stage's external inputs taken before it ran, by absolute path.
    let inputsBefore: [String: TreeHasher.Snapshot]

    /// Runs the stage with `context` (whose output is `folder/out`); `stillWanted` is asked just before the
    /// commit, so an interrupted run stores nothing.
    func run(folder: URL, context: StageContext, stillWanted: () -> Bool) throws -> (StageResult, ArtifactMeta) {
        let started = Date()
        try planned.kind.run(planned.stage, plan: planned.plan, context: context)
        let seconds = Date().timeIntervalSince(started)
        if context.isCancelled { throw EngineError.cancelled }
        try checkInputsUnchanged()
        return try commit(folder: folder, seconds: seconds, shelves: context.usedShelves, stillWanted: stillWanted)
    }

    /// Refuses a result when an external input changed while the stage ran.
    private func checkInputsUnchanged() throws {
        for url in planned.plan.externalInputs {
            guard let before = inputsBefore[url.path] else { continue }
            let changed = workspace.hasher.changedFiles(at: url.path, since: before)
            if changed.isEmpty { continue }
            if (try? workspace.hasher.snapshot(of: url.path))?.hash != before.hash {
                throw EngineError.inputChanged(stage: planned.stage.name, path: url.path,
                                               files: changed.map { $0.isEmpty ? url.lastPathComponent : $0 })
            }
        }
    }

    /// Seals and hashes the output, links its large files to the blob pool, then renames the run folder into the store.
    private func commit(folder: URL, seconds: Double, shelves: [String], stillWanted: () -> Bool) throws -> (StageResult, ArtifactMeta) {
        let out = folder.appendingPathComponent("out")
        workspace.store.seal(out)
        let sealed = try workspace.hasher.snapshot(of: out.path)
        let snapshot = workspace.store.pool(out, snapshot: sealed, hasher: workspace.hasher)
        let meta = ArtifactMeta(key: key, outputHash: snapshot.hash, stage: planned.stage.name,
                                pipeline: pipeline, parts: parts, seconds: seconds, created: Date(),
                                shelves: shelves.isEmpty ? nil : shelves, pipe: PipeBuild.version, build: PipeBuild.commit)
        if !stillWanted() { throw EngineError.cancelled }
        let entry = try workspace.store.commit(runFolder: folder, meta: meta)
        try? FileManager.default.removeItem(at: workspace.store.resumeFolder(key))
        let output = entry.appendingPathComponent("out")
        workspace.hasher.remember(snapshot, movedTo: output.path)
        return (StageResult(name: meta.stage, status: .ran, seconds: seconds, key: meta.key, output: output,
                            reasons: reasons), meta)
    }
}
