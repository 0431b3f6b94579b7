import ArgumentParser
import Foundation
import PipeSpec
import Stages

/// Checks pipeline files, or any YAML/JSON documents against a given JSON Schema.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check pipeline files against pipe's schemas, or documents against a schema of yours.",
        discussion: """
            Prints every problem as FILE:LINE:COL: error: MESSAGE. Exits 0 when all files are valid, \
            1 when any has an error, 2 on a usage error.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Validate the FILEs against this JSON Schema (draft 2020-12) instead of as pipelines.", valueName: "SCHEMA.json"))
    var schema: String?

    @Flag(name: .shortAndLong, help: "Print only problems, not a line for each valid file.")
    var quiet = false

    @Argument(help: ArgumentHelp("Pipeline files (or documents, with --schema).", valueName: "FILE"))
    var files: [String] = []

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one FILE to check") }
    }

    func run() throws {
        let results = try schema.map { try checkDocuments(against: $0) } ?? checkPipelines()
        var failed = false
        for (file, diagnostics, summary) in results {
            for diagnostic in diagnostics { Terminal.error(diagnostic.description) }
            if diagnostics.hasErrors {
                failed = true
            } else if !quiet {
                print("\(file): ok\(summary.map { ", \($0)" } ?? "")")
            }
        }
        if failed { throw ExitCode.failure }
    }

    private func checkPipelines() throws -> [(String, [Diagnostic], String?)] {
        let catalog = try Terminal.orFail { try SchemaCatalog.shipped() }
        return files.map { file in
            let result = PipelineCheck.load(path: file, catalog: catalog)
            return (file, result.diagnostics, result.spec.map { "\($0.stages.count) stage\($0.stages.count == 1 ? "" : "s")" })
        }
    }

    private func checkDocuments(against schemaPath: String) throws -> [(String, [Diagnostic], String?)] {
        let schema = try Terminal.orFail { try SchemaRegistry().load(file: schemaPath) }
        return files.map { file in
            let loaded = DocumentLoader.load(path: file)
            guard let document = loaded.document else { return (file, loaded.diagnostics, nil) }
            let violations = schema.validate(document.value).map {
                document.diagnostic(at: $0.path, atKey: $0.atKey, $0.message)
            }
            return (file, (loaded.diagnostics + violations).sortedUnique(), nil)
        }
    }
}
