import CNN
import Foundation
import Models
import PipeSpec

/// Writes a trained classifier as one PyTorch-ready safetensors file (backbone under torchvision's names,
/// head as an `nn.Sequential` called `head`, PyTorch layouts) and a JSON config beside it describing how to
/// rebuild and feed the module; `Tests/Reference/load_exported_in_torch.py` reads both.
public enum ClassifierExport {
    public static let format = "pipe-export/1"

    /// Writes `weights` (a `.safetensors` path) and the config next to it (same name, `.json`); returns the config's URL.
    @discardableResult
    public static func write(_ classifier: TrainedClassifier, to weights: URL, threshold: Double?) throws -> URL {
        let backbone = try classifier.model.torchExport()
        let head = headTensors(classifier.head)
        let tensors = backbone.tensors + head.tensors
        try SafeTensors.write(tensors, metadata: ["format": format], to: weights.path)
        let config = weights.deletingPathExtension().appendingPathExtension("json")
        let text = configuration(classifier, backbone: backbone, headLayers: head.layers, weightsName: weights.lastPathComponent,
                                 threshold: threshold).canonicalText + "\n"
        do {
            try Data(text.utf8).write(to: config, options: .atomic)
        } catch {
            throw ModelError.unwritable(path: config.path, reason: error.localizedDescription)
        }
        return config
    }

    /// The head's layers as `nn.Sequential` entries `head.<index>` and their tensors (`[out, in]` linear weights).
    static func headTensors(_ head: ClassifierHead) -> (layers: [JSONValue], tensors: [(name: String, array: WeightArray)]) {
        var layers: [JSONValue] = [], tensors: [(name: String, array: WeightArray)] = []
        for (index, layer) in head.layers.enumerated() {
            let key = "head.\(index)"
            var entry: [String: JSONValue] = ["key": .string(key)]
            switch layer {
            case let dense as DenseLayer:
                entry["layer"] = .string("linear")
                entry["in_features"] = .number(Double(dense.inFeatures))
                entry["out_features"] = .number(Double(dense.outFeatures))
                let weight = dense.weight.value.array, (inputs, outputs) = (dense.inFeatures, dense.outFeatures)
                let transposed = (0..<(inputs * outputs)).map { weight[($0 % inputs) * outputs + $0 / inputs] }
                tensors.append((key + ".weight", WeightArray(shape: [outputs, inputs], values: transposed)))
                if let bias = dense.bias { tensors.append((key + ".bias", WeightArray(shape: [outputs], values: bias.value.array))) }
            case let norm as BatchNormLayer:
                entry["layer"] = .string("batch_norm")
                entry["num_features"] = .number(Double(norm.channels))
                entry["epsilon"] = .number(Double(norm.epsilon))
                for (name, tensor) in [("weight", norm.gamma.value), ("bias", norm.beta.value),
                                       ("running_mean", norm.runningMean), ("running_var", norm.runningVariance)] {
                    tensors.append(("\(key).\(name)", WeightArray(shape: [norm.channels], values: tensor.array)))
                }
            case let dropout as DropoutLayer:
                entry["layer"] = .string("dropout")
                entry["p"] = .number(Double(dropout.rate))
            default:
                entry["layer"] = .string("relu")
            }
            layers.append(.object(entry))
        }
        return (layers, tensors)
    }

    static func configuration(_ classifier: TrainedClassifier, backbone: TorchExport, headLayers: [JSONValue],
                              weightsName: String, threshold: Double?) -> JSONValue {
        let model = classifier.model
        let affine = model.preprocessing.affine
        func numbers(_ values: [Double]) -> JSONValue { .array(values.map { .number($0) }) }
        var config: [String: JSONValue] = [
            "format": .string(format),
            "weights": .string(weightsName),
            "architecture": .string(model.architecture.rawValue),
            "variant": .string(model.variant.rawValue),
            "tensor_names": .string("torchvision"),
            "tensor_layout": .string("pytorch: convolution weights [out, in, kh, kw], linear weights [out, in]"),
            "features": .number(Double(model.featureCount)),
            "head": .array(headLayers),
            "output": .string("softmax of the head's output"),
            "classes": .array(classifier.classes.map { .string($0) }),
            "input_size": numbers([Double(classifier.imageSize), Double(classifier.imageSize)]),
            "resize": .string("antialiased bilinear (Pillow BILINEAR) to input_size, unless the image has that size"),
            "preprocessing": .object([
                "mode": .string(model.preprocessing.rawValue), "channel_order": .string(affine.channelOrder),
                "scale": .number(affine.scale), "mean": numbers(affine.mean), "std": numbers(affine.std),
                "formula": .string("(pixel * scale - mean) / std per channel, pixels 0...255 in channel_order"),
            ]),
        ]
        if let dense = backbone.denseNet {
            config["densenet"] = .object([
                "growth_rate": .number(Double(dense.growthRate)), "block_config": numbers(dense.blocks.map(Double.init)),
                "num_init_features": .number(Double(dense.initialFeatures)), "bn_size": .number(Double(dense.bottleneckFactor)),
            ])
        }
        if let epsilon = backbone.batchNormEpsilon { config["batch_norm_epsilon"] = .number(epsilon) }
        if let positive = classifier.positiveClass {
            config["positive_class"] = .string(classifier.classes[positive])
            if let threshold { config["threshold"] = .number(threshold) }
        }
        return .object(config)
    }
}
