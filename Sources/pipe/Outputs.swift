import ArgumentParser
import Foundation
import PipeEngine

/// Prints where the latest committed result of each stage lives.
struct Outputs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print STAGE<TAB>OUTPUT_DIR for the latest stored result of each stage.")

    @OptionGroup var pipeline: PipelineOptions
    @OptionGroup var state: StateOptions

    @Argument(help: "Only this stage.")
    var stage: String?

    func run() throws {
        let spec = try pipeline.load()
        let workspace = try Terminal.orFail { try Workspace(root: state.url, create: false) }
        let names = spec.stages.map(\.name)
        if let stage {
            guard names.contains(stage) else {
                Terminal.error("pipe: error: no stage `\(stage)` in \(pipeline.file); stages: \(names.joined(separator: ", "))")
                throw ExitCode.failure
            }
        }
        var missing: [String] = []
        for name in names where stage == nil || stage == name {
            guard let result = workspace.latestResult(of: name, pipeline: spec.name, file: pipeline.url) else {
                missing.append(name)
                continue
            }
            print("\(name)\t\(result.output.path)")
        }
        if !missing.isEmpty, stage != nil {
            Terminal.error("pipe: error: `\(missing[0])` has no stored result; run `pipe run \(pipeline.file) --stage \(missing[0])`")
            throw ExitCode.failure
        }
    }
}
