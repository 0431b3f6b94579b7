import PipeSpec

/// Checks that each stage's `needs` produce what its kind consumes, before anything runs: an `evaluate`
/// whose `needs` hold no split manifest fails `pipe validate`, pointing at its `needs`.
public enum ArtifactFlowCheck {
    /// One error per unmet or ambiguous need, located at the stage's `needs` (or the stage, without one).
    /// Stages of kinds missing from `kinds` are left to the planner's unknown-kind error.
    public static func diagnostics(_ spec: PipelineSpec, kinds: [String: any StageKind]) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for stage in spec.stages {
            guard let kind = kinds[stage.kind] else { continue }
            let stagePath = JSONPath.root.appending("stages").appending(stage.declaredName)
            let needsPath = stagePath.appending("needs")
            let declaredNeeds = spec.document.value.value(at: needsPath)?.arrayValue?.compactMap(\.stringValue) ?? []
            for need in kind.consumes(stage) {
                let producers = stage.needs.filter { name in
                    spec.stage(named: name).flatMap { kinds[$0.kind] }?.produces.provides(need.kind) ?? false
                }
                if producers.isEmpty {
                    let hint = "add \(producerKinds(of: need.kind, kinds: kinds)) stage to `needs`"
                    if declaredNeeds.isEmpty {
                        diagnostics.append(spec.document.diagnostic(at: stagePath, atKey: true,
                            "`\(stage.kind)` reads \(need.kind.phrase), but the stage has no `needs`; \(hint)"))
                    } else {
                        diagnostics.append(spec.document.diagnostic(at: needsPath,
                            "`\(stage.kind)` reads \(need.kind.phrase), which \(noneOf(declaredNeeds)) produce\(declaredNeeds.count == 1 ? "" : "s"); \(hint)"))
                    }
                } else if producers.count > 1, need.count == .one {
                    let declared = unique(producers.map { spec.stage(named: $0)?.declaredName ?? $0 })
                    let index = declaredNeeds.lastIndex { item in
                        producers.contains(item) || declared.contains(String(item.split(separator: "@").first ?? ""))
                    }
                    let names = declared.count > 1 ? declared : unique(producers)
                    diagnostics.append(spec.document.diagnostic(at: index.map { needsPath.appending($0) } ?? needsPath,
                        "`\(stage.kind)` reads one \(need.kind.noun), but \(list(names)) each produce one; keep one of them in `needs`"))
                }
            }
        }
        return diagnostics.sortedUnique()
    }

    /// `a `split` or `augment``: the kinds whose output provides `wanted`.
    static func producerKinds(of wanted: ArtifactKind, kinds: [String: any StageKind]) -> String {
        let names = kinds.values.filter { $0.produces.provides(wanted) }.map { "`\($0.name)`" }.sorted()
        guard let last = names.last else { return "a" }
        let text = names.count == 1 ? last : names.dropLast().joined(separator: ", ") + " or " + last
        return "\(["a", "e", "i", "o", "u"].contains(names[0].dropFirst().prefix(1).lowercased()) ? "an" : "a") \(text)"
    }

    /// `` `a` does not ``, ``neither `a` nor `b` ``, `` none of `a`, `b` and `c` ``.
    private static func noneOf(_ names: [String]) -> String {
        switch names.count {
        case 1: "`\(names[0])` does not"
        case 2: "neither `\(names[0])` nor `\(names[1])`"
        default: "none of \(list(names))"
        }
    }

    private static func list(_ names: [String]) -> String {
        let quoted = names.map { "`\($0)`" }
        return quoted.count == 1 ? quoted[0] : quoted.dropLast().joined(separator: ", ") + " and " + quoted.last!
    }

    private static func unique(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }
}
