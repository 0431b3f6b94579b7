import Foundation
import PipeSpec

/// Builds the graph of a run (DVC's `build_graph`): which stages, their kinds and plans, the snapshots of
/// their external inputs, and for a stage whose upstream results are known, its key and stored result.
final class StagePlanner: @unchecked Sendable {
    struct Planned {
        var stage: StageSpec
        var kind: any StageKind
        var plan: StagePlan
    }

    let spec: PipelineSpec
    let context: PipelineContext
    let workspace: Workspace
    private(set) var stages: [Planned] = []
    private(set) var inputs: [String: TreeHasher.Snapshot] = [:]

    /// Plans `selected` (all when empty) and what they need; snapshots every external input.
    init(spec: PipelineSpec, context: PipelineContext, workspace: Workspace, kinds: [String: any StageKind],
         selected: [String], recordListings: Bool) throws {
        self.spec = spec
        self.context = context
        self.workspace = workspace
        let flow = ArtifactFlowCheck.diagnostics(spec, kinds: kinds)
        if flow.hasErrors { throw EngineError.artifactFlow(flow.map(\.description)) }
        let names = try Self.closure(of: selected, in: spec)
        for stage in spec.stages where names.contains(stage.name) {
            guard let kind = kinds[stage.kind] else { throw EngineError.unknownKind(stage: stage.name, kind: stage.kind) }
            let plan = try kind.plan(stage, pipeline: context)
            if let ranks = stage.resources.ranks, ranks > kind.maxRanks {
                throw EngineError.stageFailed(stage: stage.name, reason: "resources.ranks is \(ranks), but a `\(kind.name)` stage runs as \(kind.maxRanks == 1 ? "one process" : "at most \(kind.maxRanks) ranks"); remove `ranks` or lower it")
            }
            stages.append(Planned(stage: stage, kind: kind, plan: plan))
        }
        for planned in stages {
            for url in planned.plan.externalInputs where inputs[url.path] == nil {
                do {
                    let snapshot = try workspace.hasher.snapshot(of: url.path)
                    inputs[url.path] = snapshot
                    if recordListings { TreeListings(root: workspace.root).save(snapshot) }
                } catch EngineError.missingInput(let path) {
                    throw EngineError.stageFailed(stage: planned.stage.name,
                                                  reason: "it reads \(path), which does not exist; create it or fix the path")
                }
            }
        }
    }

    /// The selected stages plus everything they need, transitively.
    static func closure(of selected: [String], in spec: PipelineSpec) throws -> Set<String> {
        let all = Set(spec.stages.map(\.name))
        if selected.isEmpty { return all }
        var result = Set<String>()
        var queue: [String] = []
        for name in selected {
            let matches = all.contains(name) ? [name] : spec.stages.filter { $0.declaredName == name }.map(\.name)
            guard !matches.isEmpty else { throw EngineError.unknownStage(name, known: spec.stages.map(\.name)) }
            queue += matches
        }
        while let name = queue.popLast() {
            guard result.insert(name).inserted else { continue }
            queue += spec.stage(named: name)?.needs ?? []
        }
        return result
    }

    /// The key parts of `planned` given its upstream output hashes.
    func keyParts(_ planned: Planned, upstream: [String: String]) -> KeyParts {
        Self.keyParts(planned, seed: spec.seed, upstream: upstream, inputs: inputs, paths: context.paths)
    }

    /// The key parts of `planned` from its upstream output hashes and the snapshots of its external inputs (by
    /// absolute path); a batch job computes them the same way to check the key it was given.
    static func keyParts(_ planned: Planned, seed: Int, upstream: [String: String], inputs: [String: TreeHasher.Snapshot],
                         paths: PortablePaths) -> KeyParts {
        var inputHashes: [String: String] = [:]
        for url in planned.plan.externalInputs { inputHashes[paths.portable(url.path)] = inputs[url.path]?.hash }
        return KeyParts(kind: planned.kind.name, version: planned.kind.version, params: planned.plan.parameters ?? planned.stage.with,
                        seed: seed, upstream: upstream, inputs: inputHashes)
    }

    enum Lookup {
        case stored(ArtifactMeta)
        case missing
        case corrupted(String)
    }

    /// Looks for a stored result under `key` and checks that its output still has the recorded hash.
    func lookup(_ key: String) -> Lookup {
        guard let meta = workspace.store.meta(key) else { return .missing }
        let output = workspace.store.output(key)
        guard let snapshot = try? workspace.hasher.snapshot(of: output.path) else {
            return .corrupted("its output folder is missing")
        }
        if snapshot.hash != meta.outputHash {
            return .corrupted("its output changed after it was stored (the recorded hash no longer matches)")
        }
        return .stored(meta)
    }

    /// Why a stage with `parts` is not up to date, compared with what the last run recorded.
    func freshness(of name: String, parts: KeyParts, state: PipelineState) -> Freshness {
        guard let record = state.stages[name] else { return .neverRun }
        let differences = parts.differences(from: record.parts).map { reason -> String in
            // Name the files behind a changed input folder when its earlier listing is known.
            guard let path = inputs.keys.first(where: { reason == "input \(context.paths.portable($0)) changed" }),
                  let old = record.parts.inputs[context.paths.portable(path)].flatMap(TreeListings(root: workspace.root).files(of:)),
                  let now = inputs[path] else { return reason }
            let detail = TreeListings.describe(from: old, to: now)
            return detail.isEmpty ? reason : "\(reason): \(detail)"
        }
        return .stale(reasons: differences.isEmpty ? ["its stored result is gone"] : differences)
    }
}
