import ArgumentParser
import Foundation
import Models

/// Looks inside weight files.
struct Weights: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect weight files.", subcommands: [Inspect.self])

    /// Prints a weight file's format, tensors and parameter count, and which architecture it fits.
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a weight file's format, tensors, parameter count and the architecture it fits.")

        @Argument(help: "A Keras .h5 / .weights.h5 file, a PyTorch .pth file, a safetensors file, or a pipe checkpoint folder.")
        var file: String

        @Option(help: "Check the file against this architecture and print every mismatch.")
        var arch: String?

        func run() throws {
            let path = FileManager.default.fileExists(atPath: file + "/" + Checkpoint.weightsName) ? file + "/" + Checkpoint.weightsName : file
            let (format, arrays) = try Terminal.orFail { try WeightLoader.inspect(path: path) }
            print("\(file): \(format.rawValue), \(arrays.count) tensors, \(arrays.values.reduce(0) { $0 + $1.values.count }) values")
            for name in arrays.keys.sorted() {
                let array = arrays[name]!
                print("  \(name)\t[\(array.shape.map(String.init).joined(separator: ", "))]\tfloat32\t\(array.values.count)")
            }
            if let manifest = try? Checkpoint.manifest(at: file) {
                print("pipe checkpoint: \(manifest.architecture.rawValue) (\(manifest.variant.rawValue) naming), \(manifest.options.includeTop ? "\(manifest.options.classes) classes" : "no head"), \(manifest.preprocessing.rawValue) preprocessing")
                let loaded = try Terminal.orFail { try Checkpoint.load(from: file) }
                print("checkpoint loads: all \(loaded.model.state.count) tensors match")
            } else if let arch {
                let architecture = try Terminal.orFail { try Architecture(name: arch) }
                print(Self.report(architecture, arrays: arrays, format: format))
            } else {
                let fits = Architecture.allCases.compactMap { a in Self.fits(a, arrays: arrays, format: format) ? a.rawValue : nil }
                print(fits.isEmpty ? "architecture: none of \(Architecture.allCases.map(\.rawValue).joined(separator: ", ")) matches exactly; use --arch to see the differences"
                                   : "architecture: \(fits.joined(separator: " or "))")
            }
        }

        static func variant(for format: WeightFormat) -> Variant { format.variant }

        /// Builds `architecture` with a head when the file has one, and loads the arrays strictly.
        static func load(_ architecture: Architecture, arrays: [String: WeightArray], format: WeightFormat) throws -> Model {
            let probe = try Model(architecture: architecture, variant: variant(for: format), options: ModelOptions(includeTop: false))
            // The head's class count is the length of its bias in the file.
            let headBias = arrays.first { $0.key.hasPrefix(probe.headKeyPrefix) && $0.key.hasSuffix("bias") }?.value
            guard let classes = headBias?.shape.last else { try WeightLoader.load(arrays, into: probe, source: "file"); return probe }
            let model = try Model(architecture: architecture, variant: variant(for: format), options: ModelOptions(includeTop: true, classes: classes))
            try WeightLoader.load(arrays, into: model, source: "file")
            return model
        }

        static func fits(_ architecture: Architecture, arrays: [String: WeightArray], format: WeightFormat) -> Bool {
            (try? load(architecture, arrays: arrays, format: format)) != nil
        }

        static func report(_ architecture: Architecture, arrays: [String: WeightArray], format: WeightFormat) -> String {
            do {
                let model = try load(architecture, arrays: arrays, format: format)
                let ignored = arrays.keys.filter { key in
                    model.ignoredWeightPrefixes.contains(where: key.hasPrefix) && !key.hasSuffix(".num_batches_tracked")
                }.count
                return "\(architecture.rawValue) (\(model.variant.rawValue)): all \(model.weightSlots.count) tensors match"
                    + (ignored > 0 ? "; \(ignored) auxiliary-classifier tensors ignored" : "")
            } catch {
                return "\(architecture.rawValue): \(error)"
            }
        }
    }
}
