import Foundation

/// Loads a pipeline file and runs every check on it: YAML, the pipeline schema, interpolation, matrix
/// expansion, each stage's parameter schema, `needs` and cycles. All problems are reported together.
public struct PipelineLoader: Sendable {
    public let catalog: SchemaCatalog

    public init(catalog: SchemaCatalog) { self.catalog = catalog }

    /// The spec when the file is valid, and every diagnostic (errors and warnings) in file order.
    public struct Result: Sendable {
        public var spec: PipelineSpec?
        public var diagnostics: [Diagnostic]
    }

    /// Loads and checks the pipeline at `path`, applying `overrides` (`--set PATH=VALUE`) first.
    public func load(path: String, displayPath: String? = nil, overrides: [Override] = []) -> Result {
        let loaded = DocumentLoader.load(path: path, displayPath: displayPath)
        guard var document = loaded.document else { return Result(spec: nil, diagnostics: loaded.diagnostics) }
        var diagnostics = loaded.diagnostics
        for override in overrides {
            if let problem = override.apply(to: &document.value) {
                diagnostics.append(Diagnostic(file: document.path, location: nil, message: problem))
            }
        }
        let checked = check(document)
        diagnostics += checked.diagnostics.map { diagnostic in
            var marked = diagnostic
            if let override = overrides.last(where: { diagnostic.message.hasPrefix($0.path.joined(separator: ".") + ":") }) {
                marked.message += " (set by --set \(override.text))"
            }
            return marked
        }
        let all = diagnostics.sortedUnique()
        return Result(spec: all.hasErrors ? nil : checked.spec, diagnostics: all)
    }

    /// Runs the schema and semantic checks on a loaded document.
    public func check(_ document: SourceDocument) -> Result {
        let schema: Schema
        do {
            schema = try catalog.pipelineSchema()
        } catch {
            return Result(spec: nil, diagnostics: [Diagnostic(file: catalog.pipelineSchemaPath, location: nil, message: "\(error)")])
        }
        var diagnostics = schema.validate(document.value).map {
            document.diagnostic(at: $0.path, atKey: $0.atKey, $0.message)
        }
        guard case .object(let root) = document.value else { return Result(spec: nil, diagnostics: diagnostics) }
        var resolver = StageResolver(document: document, catalog: catalog, params: root["params"] ?? .object([:]))
        let stages = resolver.resolve(root["stages"]?.objectValue ?? [:])
        diagnostics += resolver.diagnostics
        var spec = PipelineSpec(name: root["name"]?.stringValue ?? "",
                                description: root["description"]?.stringValue,
                                seed: root["seed"]?.intValue ?? 0,
                                params: root["params"] ?? .object([:]),
                                stages: stages,
                                document: document)
        spec.executor = root["executor"]?.stringValue.flatMap(Executor.init(rawValue:))
        spec.slurm = SlurmSettings(json: root["slurm"])
        return Result(spec: spec, diagnostics: diagnostics)
    }
}
