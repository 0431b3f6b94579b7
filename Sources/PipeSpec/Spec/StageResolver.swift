/// Expands matrices, resolves `${...}`, checks each stage's `with` against its kind's schema, resolves
/// `needs` to expanded stage names and orders the stages; collects diagnostics on the way.
struct StageResolver {
    let document: SourceDocument
    let catalog: SchemaCatalog
    let params: JSONValue
    var diagnostics: [Diagnostic] = []

    init(document: SourceDocument, catalog: SchemaCatalog, params: JSONValue) {
        self.document = document
        self.catalog = catalog
        self.params = params
    }

    private struct Declared {
        var name: String
        var body: [String: JSONValue]
        var expansion: MatrixExpansion?
        var expanded: [StageSpec] = []
    }

    mutating func resolve(_ stages: [String: JSONValue]) -> [StageSpec] {
        let stagesPath = JSONPath.root.appending("stages")
        let names = stages.keys.sorted { document.location(of: stagesPath.appending($0), atKey: true) < document.location(of: stagesPath.appending($1), atKey: true) }
        let kinds = Set((try? catalog.kinds()) ?? [])
        var declared: [Declared] = []
        for name in names {
            guard case .object(let body) = stages[name]!, let kind = body["kind"]?.stringValue, kinds.contains(kind) else { continue }
            var entry = Declared(name: name, body: body, expansion: expansion(of: body, stage: name))
            entry.expanded = expand(entry, kind: kind)
            declared.append(entry)
        }
        let byDeclared = Dictionary(uniqueKeysWithValues: declared.map { ($0.name, $0) })
        var all: [StageSpec] = []
        for entry in declared {
            for var stage in entry.expanded {
                stage.needs = resolveNeeds(of: entry, stage: stage, among: byDeclared, allNames: stages.keys)
                all.append(stage)
            }
        }
        return ordered(all)
    }

    private func expansion(of body: [String: JSONValue], stage: String) -> MatrixExpansion? {
        guard case .object(let matrix) = body["matrix"] ?? .null else { return nil }
        let path = JSONPath.root.appending("stages").appending(stage).appending("matrix")
        let axes = matrix.keys.sorted { document.location(of: path.appending($0), atKey: true) < document.location(of: path.appending($1), atKey: true) }
        var values: [String: [JSONValue]] = [:]
        for axis in axes {
            guard let list = matrix[axis]?.arrayValue, !list.isEmpty else { return nil }
            values[axis] = list
        }
        return axes.isEmpty ? nil : MatrixExpansion(axes: axes, values: values)
    }

    private mutating func expand(_ entry: Declared, kind: String) -> [StageSpec] {
        let stagePath = JSONPath.root.appending("stages").appending(entry.name)
        let combinations: [[String: JSONValue]?] = entry.expansion.map { $0.combinations } ?? [nil]
        var result: [StageSpec] = []
        var seenNames: [String: String] = [:]
        for combination in combinations {
            var name = entry.name
            if let combination, let expansion = entry.expansion {
                name = expansion.stageName(declared: entry.name, combination: combination)
                if let earlier = seenNames[name] {
                    diagnostics.append(document.diagnostic(at: stagePath.appending("matrix"),
                        "matrix expands to the stage name `\(name)` twice (\(earlier) and \(expansion.describe(combination))); make the values distinct"))
                    continue
                }
                seenNames[name] = expansion.describe(combination)
            }
            let with = resolveWith(entry, kind: kind, combination: combination)
            result.append(StageSpec(name: name, declaredName: entry.name, kind: kind, with: with,
                                    matrixValues: combination ?? [:], description: entry.body["description"]?.stringValue,
                                    executor: entry.body["executor"]?.stringValue.flatMap(Executor.init(rawValue:)),
                                    resources: StageResources(json: entry.body["resources"])))
        }
        return result
    }

    private mutating func resolveWith(_ entry: Declared, kind: String, combination: [String: JSONValue]?) -> JSONValue {
        let withPath = JSONPath.root.appending("stages").appending(entry.name).appending("with")
        let raw = entry.body["with"] ?? .object([:])
        var failures: [(JSONPath, String)] = []
        let resolved = Interpolator(params: params, matrix: combination).resolve(raw, at: withPath, failures: &failures)
        for (path, message) in failures { diagnostics.append(document.diagnostic(at: path, message)) }
        let unresolved = Set(failures.map(\.0))
        guard case .object = resolved else { return resolved }
        do {
            let schema = try catalog.stageSchema(kind: kind)
            for violation in schema.validate(resolved) {
                let path = JSONPath(withPath.components + violation.path.components)
                if unresolved.contains(path) { continue }
                var message = violation.message
                if let combination, let expansion = entry.expansion,
                   document.value.value(at: path) != resolved.value(at: violation.path) {
                    message += " (with matrix \(expansion.describe(combination)))"
                }
                diagnostics.append(document.diagnostic(at: path, atKey: violation.atKey, message))
            }
        } catch {
            diagnostics.append(document.diagnostic(at: withPath, "\(error)"))
        }
        return resolved
    }

    /// Each `needs` entry names a stage; a matrix stage stands for its expansions, narrowed to those that
    /// agree with this stage on shared matrix axes. `name@values` names one expansion.
    private mutating func resolveNeeds(of entry: Declared, stage: StageSpec, among declared: [String: Declared],
                                       allNames: Dictionary<String, JSONValue>.Keys) -> [String] {
        let needsPath = JSONPath.root.appending("stages").appending(entry.name).appending("needs")
        var result: [String] = []
        for (index, item) in (entry.body["needs"]?.arrayValue ?? []).enumerated() {
            guard let need = item.stringValue else { continue }
            let base = String(need.split(separator: "@", maxSplits: 1).first ?? "")
            guard let target = declared[base] else {
                let hint = allNames.contains(base) ? " (that stage is invalid; fix it first)"
                    : closestName(to: base, among: allNames.sorted()).map { " (did you mean `\($0)`?)" } ?? ""
                diagnostics.append(document.diagnostic(at: needsPath.appending(index), "unknown stage `\(need)`\(hint)"))
                continue
            }
            if need.contains("@") {
                if target.expanded.contains(where: { $0.name == need }) {
                    result.append(need)
                } else {
                    let names = target.expanded.map(\.name)
                    let hint = closestName(to: need, among: names).map { " (did you mean `\($0)`?)" } ?? ""
                    diagnostics.append(document.diagnostic(at: needsPath.appending(index), "`\(need)` is not one of the expansions of `\(base)`\(hint)"))
                }
                continue
            }
            let matching = target.expanded.filter { upstream in
                upstream.matrixValues.allSatisfy { axis, value in stage.matrixValues[axis].map { $0 == value } ?? true }
            }
            result += matching.map(\.name)
        }
        return result
    }

    private mutating func ordered(_ stages: [StageSpec]) -> [StageSpec] {
        let needs = Dictionary(uniqueKeysWithValues: stages.map { ($0.name, $0.needs) })
        let (order, cycles) = StageOrder.sort(stages.map(\.name), needs: needs)
        let byName = Dictionary(uniqueKeysWithValues: stages.map { ($0.name, $0) })
        for cycle in cycles {
            let first = byName[cycle.names[0]]!
            let next = cycle.names[1]
            let path = JSONPath.root.appending("stages").appending(first.declaredName).appending("needs")
            let declaredNext = byName[next]?.declaredName ?? next
            let index = document.value.value(at: path)?.arrayValue?.firstIndex {
                $0.stringValue == next || $0.stringValue == declaredNext
            }
            diagnostics.append(document.diagnostic(at: index.map { path.appending($0) } ?? path,
                                                   "dependency cycle: \(cycle.description); remove one of these `needs`"))
        }
        return order.compactMap { byName[$0] }
    }
}
