import ArgumentParser
import PipeBase
import Stages

/// The `pipe` command: declarative, cached deep-learning pipelines for breast-cancer image classification.
struct Pipe: ParsableCommand {
    static let version = PipeVersion.current

    static let configuration = CommandConfiguration(
        commandName: "pipe",
        abstract: "Run declarative, cached deep-learning pipelines for breast-cancer image classification.",
        version: version,
        subcommands: [Validate.self, Run.self, Status.self, Log.self, Exp.self, Report.self, Dag.self, Outputs.self, Gc.self, Synth.self, Weights.self, Predict.self, Export.self, Version.self, StageJobCommand.self, MPICheck.self]
    )
}
