import CNN
import Foundation
import Models
import PipeSpec

/// The layers a `fine-tune` stage puts on a backbone's pooled features (dropout, batch norm, dense with
/// activation), built from the stage's `head` list, saved beside the checkpoint and loaded back.
///
/// The backbone already ends in global average pooling, so `global_average_pool` and `flatten` entries add
/// nothing. The last dense layer gives the logits; `softmax` on it is applied by the loss and by `predict`.
public struct ClassifierHead {
    public static let specName = "head.json"
    public static let weightsName = "head.safetensors"

    public let spec: JSONValue
    public let layers: [Layer]

    /// Builds the head for `features` inputs; the last dense layer must have `classes` units.
    public init(spec: JSONValue, features: Int, classes: Int, seed: UInt64, stage: String) throws {
        var layers: [Layer] = []
        var width = features
        var lastUnits: Int?
        for (index, item) in (spec.arrayValue ?? []).enumerated() {
            let name = "head\(index)"
            switch item["layer"]?.stringValue {
            case "dropout":
                layers.append(DropoutLayer(name: name, rate: Float(item["rate"]?.numberValue ?? 0.5), seed: seed &+ UInt64(index)))
            case "batch_norm":
                layers.append(BatchNormLayer(name: name, channels: width, momentum: 0.01, epsilon: 1e-3))
            case "dense":
                let units = item["units"]?.intValue ?? classes
                layers.append(DenseLayer(name: name, inFeatures: width, outFeatures: units, seed: seed &+ UInt64(index)))
                if item["activation"]?.stringValue == "relu" { layers.append(ReLULayer(name: name + "_relu")) }
                width = units
                lastUnits = units
            default:
                continue
            }
        }
        if lastUnits == nil {
            layers.append(DenseLayer(name: "head_logits", inFeatures: width, outFeatures: classes, seed: seed))
        } else if lastUnits != classes {
            throw StageError.misconfigured(stage: stage, reason: "the head's last dense layer has \(lastUnits!) units, but the data has \(classes) classes; set its units to \(classes)")
        }
        self.spec = spec
        self.layers = layers
    }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// Every tensor to save: parameters and batch-norm running statistics, by name.
    var state: [(name: String, tensor: Tensor)] {
        layers.flatMap { layer -> [(String, Tensor)] in
            var tensors = layer.parameters.map { ($0.name, $0.value) }
            if let norm = layer as? BatchNormLayer {
                tensors += [("\(norm.name).running_mean", norm.runningMean), ("\(norm.name).running_var", norm.runningVariance)]
            }
            return tensors
        }
    }

    /// Appends the head to the model's graph (which must end in pooled features).
    public func attach(to model: Model) {
        for layer in layers { model.graph.append(layer) }
    }

    /// Writes `head.json` and `head.safetensors` into `folder`.
    func save(to folder: URL, classes: [String], imageSize: Int) throws {
        let description = JSONValue.object(["layers": spec, "classes": .array(classes.map { .string($0) }),
                                            "image_size": .number(Double(imageSize))])
        try Data(description.canonicalText.utf8).write(to: folder.appendingPathComponent(Self.specName))
        try SafeTensors.write(state.map { ($0.name, WeightArray(shape: $0.tensor.shape, values: $0.tensor.array)) },
                              to: folder.appendingPathComponent(Self.weightsName).path)
    }

    /// Copies saved tensors into this head; every tensor must be there with its shape.
    func load(from folder: URL) throws {
        let arrays = try SafeTensors.read(path: folder.appendingPathComponent(Self.weightsName).path).arrays
        for (name, tensor) in state {
            guard let array = arrays[name], array.shape == tensor.shape else {
                throw StageError.badInput(file: folder.appendingPathComponent(Self.weightsName).path, reason: "no tensor `\(name)` of shape \(tensor.shape)")
            }
            array.values.withUnsafeBufferPointer { tensor.data.update(from: $0.baseAddress!, count: tensor.count) }
        }
    }
}
