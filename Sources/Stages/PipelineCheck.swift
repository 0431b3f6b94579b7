import PipeEngine
import PipeSpec

/// Loads a pipeline file with every check `pipe validate` makes: the file's own (`PipelineLoader`), then
/// whether each stage's `needs` produce what its kind reads (`ArtifactFlowCheck` over `StageCatalog.kinds`)
/// and whether its kind can use the ranks it asks for (`ResourceCheck`).
public enum PipelineCheck {
    public static func load(path: String, displayPath: String? = nil, overrides: [Override] = [],
                            catalog: SchemaCatalog) -> PipelineLoader.Result {
        var result = PipelineLoader(catalog: catalog).load(path: path, displayPath: displayPath, overrides: overrides)
        guard let spec = result.spec else { return result }
        let flow = ArtifactFlowCheck.diagnostics(spec, kinds: StageCatalog.kinds) + ResourceCheck.diagnostics(spec, kinds: StageCatalog.kinds)
        result.diagnostics = (result.diagnostics + flow).sortedUnique()
        if flow.hasErrors { result.spec = nil }
        return result
    }
}
