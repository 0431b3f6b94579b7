import Foundation
@testable import PipeSpec

/// Paths of the checkout, found from this file's location.
enum TestPaths {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let schemas = packageRoot.appendingPathComponent("schemas").path
    static let pipelines = packageRoot.appendingPathComponent("pipelines").path
    static let invalidPipelines = packageRoot.appendingPathComponent("Tests/Fixtures/invalid-pipelines").path

    static let catalog = SchemaCatalog(directory: schemas)

    /// Checks YAML text as a pipeline file named `name`.
    static func check(_ yaml: String, name: String = "test.yaml") -> PipelineLoader.Result {
        let loaded = DocumentLoader.load(text: yaml, displayPath: name)
        guard let document = loaded.document else { return PipelineLoader.Result(spec: nil, diagnostics: loaded.diagnostics) }
        let checked = PipelineLoader(catalog: catalog).check(document)
        let all = (loaded.diagnostics + checked.diagnostics).sortedUnique()
        return PipelineLoader.Result(spec: all.hasErrors ? nil : checked.spec, diagnostics: all)
    }
}
