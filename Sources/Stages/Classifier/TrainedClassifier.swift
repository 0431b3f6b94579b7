import CNN
import Foundation
import Imaging
import Models
import PipeSpec

/// A backbone checkpoint plus its classifier head, as `fine-tune` writes it and `evaluate` and `pipe predict` read it.
///
/// The folder holds everything needed to classify a new image: `model.json` (architecture, variant,
/// preprocessing) with `model.safetensors` (the backbone), and `head.json` (the head's layers, the class
/// names in output order, the input size) with `head.safetensors`.
public final class TrainedClassifier {
    public let model: Model
    public let head: ClassifierHead
    public let classes: [String]
    public let imageSize: Int

    init(model: Model, head: ClassifierHead, classes: [String], imageSize: Int) {
        self.model = model
        self.head = head
        self.classes = classes
        self.imageSize = imageSize
    }

    /// Loads the folder a fine-tune stage wrote.
    public static func load(from folder: URL) throws -> TrainedClassifier {
        let (model, _) = try Checkpoint.load(from: folder.path)
        let specURL = folder.appendingPathComponent(ClassifierHead.specName)
        guard let data = FileManager.default.contents(atPath: specURL.path) else {
            throw StageError.badInput(file: specURL.path, reason: "missing: the folder is not a fine-tune stage's output")
        }
        let description = try JSONValue.parse(data)
        let classes = description["classes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let head = try ClassifierHead(spec: description["layers"] ?? .array([]), features: model.featureCount,
                                      classes: classes.count, seed: 0, stage: "evaluate")
        try head.load(from: folder)
        head.attach(to: model)
        return TrainedClassifier(model: model, head: head, classes: classes,
                                 imageSize: description["image_size"]?.intValue ?? model.options.inputHeight)
    }

    /// The class a threshold decides for in a two-class model (see `ClassList`); nil for other class counts.
    public var positiveClass: Int? { ClassList(names: classes).binaryPositive }

    /// Decodes, resizes and preprocesses images into one NHWC batch.
    static func batch(_ paths: [String], size: Int, preprocessing: Preprocessing) throws -> Tensor {
        var pixels: [[UInt8]] = []
        for (path, result) in zip(paths, ImageDecoder.decodeAll(paths.map { URL(fileURLWithPath: $0) }, as: .rgb8, resizeTo: (size, size))) {
            switch result {
            case .success(let image): pixels.append(image.rgbBytes())
            case .failure(let error): throw StageError.badInput(file: path, reason: "\(error)")
            }
        }
        return preprocessing.batch(rgb: pixels, height: size, width: size)
    }

    /// Class probabilities for images, in batches: `[images][classes]`.
    public func probabilities(of paths: [String], batchSize: Int = 16) throws -> [[Double]] {
        var result: [[Double]] = []
        for start in stride(from: 0, to: paths.count, by: batchSize) {
            let input = try Self.batch(Array(paths[start..<min(start + batchSize, paths.count)]), size: imageSize,
                                       preprocessing: model.preprocessing)
            result += Self.softmaxRows(try model.graph.forward(input, mode: .inference))
        }
        return result
    }

    /// Each row of `[N, classes]` logits as probabilities.
    public static func softmaxRows(_ logits: Tensor) -> [[Double]] {
        let probabilities = Tensor(shape: logits.shape)
        Softmax.forward(output: probabilities.data, logits: logits.data, rows: logits.shape[0], classes: logits.shape[1])
        return rows(of: probabilities)
    }

    /// The rows of a `[N, k]` tensor.
    static func rows(of tensor: Tensor) -> [[Double]] {
        let k = tensor.shape[1]
        return (0..<tensor.shape[0]).map { r in (0..<k).map { Double(tensor.data[r * k + $0]) } }
    }
}
