import CNN
import Foundation

/// Loads weight files into models strictly: every name must match and every shape agree, or
/// nothing is loaded and one error lists all the differences.
public enum WeightLoader {
    /// Reads `path` in `format` (detected from the file when nil) into arrays keyed in the file's naming.
    /// Keras 3 files index variables by position; `model` names them.
    public static func read(path: String, format: WeightFormat? = nil, for model: Model) throws
        -> (format: WeightFormat, arrays: [String: WeightArray]) {
        let format = try format ?? WeightFormat.detect(path: path)
        switch format {
        case .safetensors: return (format, try SafeTensors.read(path: path).arrays)
        case .pytorch: return (format, try PyTorchCheckpoint.read(path: path))
        case .kerasH5:
            return (format, try KerasWeights.readLegacy(path: path, autoNamed: model.kerasAutoNamedFamilies,
                                                        aliases: model.kerasLayerAliases))
        case .keras3:
            return (format, try KerasWeights.readKeras3(path: path, variables: model.kerasVariables,
                                                        autoNamed: model.kerasAutoNamedFamilies,
                                                        aliases: model.kerasLayerAliases))
        }
    }

    /// Reads any supported weights file without a model, for listing: Keras 3 variables keep their
    /// positional names (`<layer>/vars/<index>`). Returns the format and the arrays by name.
    public static func inspect(path: String) throws -> (format: WeightFormat, arrays: [String: WeightArray]) {
        let format = try WeightFormat.detect(path: path)
        switch format {
        case .safetensors: return (format, try SafeTensors.read(path: path).arrays)
        case .pytorch: return (format, try PyTorchCheckpoint.read(path: path))
        case .kerasH5: return (format, try KerasWeights.readLegacy(path: path))
        case .keras3: return (format, try KerasWeights.readKeras3(path: path, variables: [:]))
        }
    }

    /// Compares `arrays` with what `model` expects and, only when they match, copies them in.
    ///
    /// PyTorch's `num_batches_tracked` counters are ignored, and so are the tensors of parts the model
    /// does not have (`Model.ignoredWeightPrefixes`, such as InceptionV3's auxiliary classifier), which are
    /// returned so the caller can say so. With `skipHead` the file's head weights (if any) are ignored and
    /// the model's head keeps its initial weights: the way to start a new classifier from ImageNet weights,
    /// or to load a Keras `_notop` file; a model built without its top skips all of the file's top
    /// (`Model.topKeyPrefixes`).
    /// - Returns: the names of the ignored auxiliary tensors, sorted.
    /// - Throws: `ModelError.weightMismatch` listing all missing, unused and mismatched names.
    @discardableResult
    public static func load(_ arrays: [String: WeightArray], into model: Model, source: String,
                            skipHead: Bool = false) throws -> [String] {
        let headPrefix = model.headKeyPrefix
        let ignoredPrefixes = model.ignoredWeightPrefixes
        var available: [String: WeightArray] = [:]
        var ignored: [String] = []
        for (key, array) in arrays where !key.hasSuffix(".num_batches_tracked") {
            if ignoredPrefixes.contains(where: key.hasPrefix) {
                ignored.append(key)
                continue
            }
            available[model.variant == .torchvision ? legacyTorchvisionRenamed(key) : key] = array
        }
        if skipHead {
            let skipped = model.options.includeTop ? [headPrefix] : model.topKeyPrefixes
            available = available.filter { key, _ in !skipped.contains(where: key.hasPrefix) }
        }
        let slots = model.weightSlots.filter { !(skipHead && $0.key.hasPrefix(headPrefix)) }
        var mismatch = WeightMismatch(source: source, missing: [], unused: [], shapeMismatches: [])
        for slot in slots {
            guard let array = available[slot.key] else {
                mismatch.missing.append(slot.key)
                continue
            }
            if array.shape != slot.sourceShape {
                mismatch.shapeMismatches.append(.init(key: slot.key, expected: slot.sourceShape, found: array.shape))
            }
        }
        let expected = Set(slots.map(\.key))
        mismatch.unused = available.keys.filter { !expected.contains($0) }.sorted()
        mismatch.missing.sort()
        mismatch.shapeMismatches.sort { $0.key < $1.key }
        guard mismatch.isEmpty else { throw ModelError.weightMismatch(mismatch) }
        for slot in slots { slot.assign(available[slot.key]!.values) }
        return ignored.sorted()
    }
}

/// The DenseNet checkpoints torchvision publishes name dense-layer modules `norm.1`, `conv.2`, ...;
/// torchvision renames them to `norm1`, `conv2` when it loads them, and so does pipe.
func legacyTorchvisionRenamed(_ key: String) -> String {
    guard key.contains(".denselayer") else { return key }
    var renamed = key
    for module in ["norm", "relu", "conv"] {
        for index in ["1", "2"] {
            renamed = renamed.replacingOccurrences(of: ".\(module).\(index).", with: ".\(module)\(index).")
        }
    }
    return renamed
}

extension Model {
    /// Key prefixes of tensors in the framework's published files that belong to parts pipe's model does not
    /// build: torchvision's InceptionV3 checkpoint carries its training-only auxiliary classifier (`AuxLogits.`).
    public var ignoredWeightPrefixes: [String] {
        variant == .torchvision && architecture == .inceptionV3 ? ["AuxLogits."] : []
    }

    /// Key prefixes of the ImageNet top in the framework's files: the head's, and for VGG also those of the two
    /// hidden dense layers before it, which a model built without its top lacks.
    public var topKeyPrefixes: [String] {
        let wrapper = variant == .keras ? [KerasWeights.wrapperPrefix] : []
        guard architecture == .vgg16 || architecture == .vgg19 else { return [headKeyPrefix] + wrapper }
        return variant == .keras ? ["fc1/", "fc2/", "predictions/"] + wrapper : ["classifier."]
    }

    /// Loads a weights file (format detected unless given) strictly; see `WeightLoader.load`.
    /// - Returns: the format that was read.
    @discardableResult
    public func loadWeights(path: String, format: WeightFormat? = nil, skipHead: Bool = false) throws -> WeightFormat {
        let (format, arrays) = try WeightLoader.read(path: path, format: format, for: self)
        try WeightLoader.load(arrays, into: self, source: (path as NSString).lastPathComponent, skipHead: skipHead)
        return format
    }

    /// Writes the model's weights in its framework's naming and layout as safetensors (torchvision
    /// models give a file PyTorch's `load_state_dict` accepts after `torch.from_numpy`).
    public func exportSafeTensors(path: String) throws {
        try SafeTensors.write(weightSlots.map { ($0.key, WeightArray(shape: $0.sourceShape, values: $0.exportValues())) },
                              to: path)
    }
}
