import PipeSpec

/// Checks what a stage's `resources` ask of its kind, at the line of the request: only kinds that share
/// their work over ranks accept `ranks` above 1.
public enum ResourceCheck {
    public static func diagnostics(_ spec: PipelineSpec, kinds: [String: any StageKind]) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        var seen = Set<String>()
        for stage in spec.stages where seen.insert(stage.declaredName).inserted {
            guard let kind = kinds[stage.kind], let ranks = stage.resources.ranks, ranks > kind.maxRanks else { continue }
            let path = JSONPath.root.appending("stages").appending(stage.declaredName).appending("resources").appending("ranks")
            diagnostics.append(spec.document.diagnostic(at: path, "a `\(kind.name)` stage runs as \(kind.maxRanks == 1 ? "one process" : "at most \(kind.maxRanks) ranks"), not \(ranks); remove `ranks` (only fine-tune shares its work over ranks)"))
        }
        return diagnostics
    }
}
