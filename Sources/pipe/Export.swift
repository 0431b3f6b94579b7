import ArgumentParser
import Foundation
import Stages

/// Writes a trained model folder as one safetensors file PyTorch can load, with a JSON config beside it.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a fine-tune stage's output folder for PyTorch: one .safetensors file and a JSON config.",
        discussion: """
            The file holds the backbone under torchvision's tensor names and the head as `head.<i>` (an \\
            nn.Sequential), in PyTorch layouts (convolution weights OIHW, linear weights [out, in]). The config \\
            (same name, .json) records the architecture, the variant the model was trained in, the head's layers, \\
            the classes, the input size, the preprocessing (mode, mean, std) and the threshold when given. \\
            Tests/Reference/load_exported_in_torch.py builds the PyTorch module from it and loads the file strictly.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case safetensors
    }

    @Argument(help: ArgumentHelp("A fine-tune stage's output folder (see `pipe outputs`).", valueName: "MODEL_DIR"))
    var modelDirectory: String

    @Option(help: "The export format.")
    var format: Format = .safetensors

    @Option(help: ArgumentHelp("The .safetensors file to write; the config goes beside it as .json.", valueName: "FILE"))
    var output: String = "model.safetensors"

    @Option(help: ArgumentHelp("Record this decision threshold for the positive class (two-class models).", valueName: "P"))
    var threshold: Double?

    @Option(help: ArgumentHelp("Record the threshold an evaluate stage chose (its metrics.json).", valueName: "EVALUATE_DIR"))
    var thresholdFrom: String?

    func validate() throws {
        if !output.hasSuffix(".safetensors") { throw ValidationError("--output must end in .safetensors") }
        if threshold != nil && thresholdFrom != nil { throw ValidationError("give --threshold or --threshold-from, not both") }
        if let threshold, !(0...1).contains(threshold) { throw ValidationError("--threshold must be between 0 and 1") }
    }

    func run() throws {
        let classifier = try Terminal.orFail { try TrainedClassifier.load(from: URL(fileURLWithPath: modelDirectory)) }
        let cut = try Terminal.orFail { try thresholdFrom.map { try ThresholdFile.read($0) } ?? threshold }
        if cut != nil && classifier.positiveClass == nil {
            Terminal.error("pipe: error: a threshold applies to two-class models; this model has \(classifier.classes.count) classes")
            throw ExitCode.failure
        }
        let weights = URL(fileURLWithPath: output)
        let config = try Terminal.orFail { () throws -> URL in
            try FileManager.default.createDirectory(at: weights.deletingLastPathComponent(), withIntermediateDirectories: true)
            return try ClassifierExport.write(classifier, to: weights, threshold: cut)
        }
        print(weights.path)
        print(config.path)
    }
}
