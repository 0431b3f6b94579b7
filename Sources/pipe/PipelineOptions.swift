import ArgumentParser
import Foundation
import PipeSpec
import Stages

/// The pipeline file argument and `--set` overrides, shared by the commands that read a pipeline.
struct PipelineOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The pipeline file.", valueName: "PIPELINE"))
    var file: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a value before validation, e.g. params.lr=0.001 or stages.split.with.train=0.7.", valueName: "PATH=VALUE"))
    var overrides: [String] = []

    func validate() throws {
        for text in overrides {
            if let problem = Override.parse(text).1 { throw ValidationError(problem) }
        }
    }

    /// Loads and validates the pipeline with `--set` and then `extra` overrides, printing diagnostics; exits 1 when it is invalid.
    func load(extra: [String] = []) throws -> PipelineSpec {
        let catalog = try Terminal.orFail { try SchemaCatalog.shipped() }
        let result = PipelineCheck.load(path: file, overrides: (overrides + extra).compactMap { Override.parse($0).0 }, catalog: catalog)
        for diagnostic in result.diagnostics { Terminal.error(diagnostic.description) }
        guard let spec = result.spec else { throw ExitCode.failure }
        return spec
    }

    var url: URL { URL(fileURLWithPath: file).standardizedFileURL }
}

/// Where pipe keeps its store, shared by the commands that use it.
struct StateOptions: ParsableArguments {
    @Option(name: .customLong("state-dir"), help: ArgumentHelp("The state folder.", valueName: "DIR"))
    var stateDirectory: String = ".pipe"

    var url: URL { URL(fileURLWithPath: stateDirectory).standardizedFileURL }
}
