import CNN
import Foundation

/// pipe's own model checkpoint: a directory with `model.json` (a `ModelManifest`) and
/// `model.safetensors` holding every tensor under pipe's names in pipe's layout (HWIO kernels,
/// `[in, out]` dense weights, batch-norm `gamma`/`beta`/`running_mean`/`running_var`), readable by
/// Python's `safetensors.numpy.load_file`.
public enum Checkpoint {
    public static let manifestName = "model.json"
    public static let weightsName = "model.safetensors"

    /// Writes `model` into `directory` (created if needed), replacing an earlier checkpoint there.
    public static func save(_ model: Model, to directory: String, classNames: [String]? = nil,
                            sourceWeights: ModelManifest.SourceWeights? = nil) throws {
        if let classNames, classNames.count != model.options.classes || !model.options.includeTop {
            throw ModelError.invalidConfiguration("\(classNames.count) class names for a model with "
                                                  + (model.options.includeTop ? "\(model.options.classes) classes" : "no head"))
        }
        let manifest = ModelManifest(architecture: model.architecture, variant: model.variant, options: model.options,
                                     preprocessing: model.preprocessing, classNames: classNames,
                                     sourceWeights: sourceWeights)
        let directoryURL = URL(fileURLWithPath: directory)
        do {
            try FileManager.default.createDirectory(at: directoryURL, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(manifest).write(to: directoryURL.appendingPathComponent(manifestName), options: .atomic)
        } catch {
            throw ModelError.unwritable(path: directory, reason: error.localizedDescription)
        }
        let tensors = model.state.map { ($0.name, WeightArray(shape: $0.tensor.shape, values: $0.tensor.array)) }
        try SafeTensors.write(tensors, metadata: ["format": ModelManifest.currentFormat,
                                                  "architecture": model.architecture.rawValue,
                                                  "variant": model.variant.rawValue],
                              to: directoryURL.appendingPathComponent(weightsName).path)
    }

    /// Reads a checkpoint's manifest only (to show it, or to check it before loading).
    public static func manifest(at directory: String) throws -> ModelManifest {
        let path = URL(fileURLWithPath: directory).appendingPathComponent(manifestName).path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError.invalidCheckpoint(path: directory, reason: "no \(manifestName) in it")
        }
        let manifest: ModelManifest
        do {
            manifest = try JSONDecoder().decode(ModelManifest.self, from: data)
        } catch {
            throw ModelError.invalidCheckpoint(path: directory, reason: "\(manifestName) is not a valid manifest: \(error)")
        }
        guard manifest.format == ModelManifest.currentFormat else {
            throw ModelError.invalidCheckpoint(path: directory, reason: "format '\(manifest.format)' is not "
                                               + "'\(ModelManifest.currentFormat)'; re-export it with this pipe")
        }
        return manifest
    }

    /// Rebuilds the model a checkpoint describes and loads its tensors strictly.
    public static func load(from directory: String) throws -> (model: Model, manifest: ModelManifest) {
        let manifest = try manifest(at: directory)
        let model = try Model(architecture: manifest.architecture, variant: manifest.variant, options: manifest.options)
        model.preprocessing = manifest.preprocessing
        let path = URL(fileURLWithPath: directory).appendingPathComponent(weightsName).path
        try loadState(SafeTensors.read(path: path).arrays, into: model,
                      source: "\((directory as NSString).lastPathComponent)/\(weightsName)")
        return (model, manifest)
    }

    /// Copies a checkpoint's tensors, keyed by pipe's own names, into `model`: every tensor must be there
    /// with its shape and no other may be, or nothing is copied and one error lists the differences.
    public static func loadState(_ arrays: [String: WeightArray], into model: Model, source: String) throws {
        var mismatch = WeightMismatch(source: source, missing: [], unused: [], shapeMismatches: [])
        let state = model.state
        for (name, tensor) in state {
            guard let array = arrays[name] else {
                mismatch.missing.append(name)
                continue
            }
            if array.shape != tensor.shape {
                mismatch.shapeMismatches.append(.init(key: name, expected: tensor.shape, found: array.shape))
            }
        }
        let names = Set(state.map(\.name))
        mismatch.unused = arrays.keys.filter { !names.contains($0) }.sorted()
        mismatch.missing.sort()
        mismatch.shapeMismatches.sort { $0.key < $1.key }
        guard mismatch.isEmpty else { throw ModelError.weightMismatch(mismatch) }
        for (name, tensor) in state {
            arrays[name]!.values.withUnsafeBufferPointer { tensor.data.update(from: $0.baseAddress!, count: tensor.count) }
        }
    }
}
