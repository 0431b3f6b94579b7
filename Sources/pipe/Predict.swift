import ArgumentParser
import Foundation
import Imaging
import Models
import Stages

/// Classifies images with a model: the top-5 classes, or logits and probabilities as JSON lines.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Classify images with a trained model folder, a pipe checkpoint, or an architecture and weights.",
        discussion: """
            --model takes a fine-tune stage's output folder (see `pipe outputs`) and uses its class names, \
            preprocessing and input size; a two-class model decides with --threshold or the threshold an \
            evaluate stage chose (--threshold-from), else the most probable class. --arch uses the \
            architecture's input size (299 for inception_v3, 224 for the others) unless --size is given.
            Images whose size is --size are used as they are; others are resized to --size x --size with \
            antialiased bilinear interpolation (Pillow's BILINEAR). PNG, JPEG and DICOM are accepted.
            """
    )

    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case torch, caffe, tf, none
    }

    @Option(help: "The architecture, e.g. densenet201 (with --weights).")
    var arch: String?

    @Option(help: ArgumentHelp("A Keras .h5 / .weights.h5, PyTorch .pth or safetensors file with a classification head.", valueName: "FILE"))
    var weights: String?

    @Option(help: ArgumentHelp("A fine-tune stage's output folder, or a pipe checkpoint folder with a head, instead of --arch/--weights.", valueName: "DIR"))
    var model: String?

    @Option(help: ArgumentHelp("For a two-class model: the probability of the positive class (malignant) at which it is chosen.", valueName: "P"))
    var threshold: Double?

    @Option(help: ArgumentHelp("Use the threshold an evaluate stage chose (its metrics.json).", valueName: "EVALUATE_DIR"))
    var thresholdFrom: String?

    @Option(help: "Input scaling; default: what the weights expect.")
    var preprocess: Mode?

    @Option(help: "Input size in pixels (default: the model folder's, or the architecture's: 299 for inception_v3, 224 for others).")
    var size: Int?

    @Option(help: "Images per forward pass.")
    var batch: Int = 8

    @Flag(help: "Print one JSON object per image: image, class, logits, probabilities (and threshold when one decides).")
    var json = false

    @Argument(help: "Images to classify.")
    var images: [String] = []

    func validate() throws {
        if images.isEmpty { throw ValidationError("name at least one IMAGE") }
        if model == nil && (arch == nil || weights == nil) { throw ValidationError("give --model DIR, or --arch and --weights") }
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
        if threshold != nil && thresholdFrom != nil { throw ValidationError("give --threshold or --threshold-from, not both") }
        if let threshold, !(0...1).contains(threshold) { throw ValidationError("--threshold must be between 0 and 1") }
    }

    /// What the images are classified with.
    private struct Classifier {
        var network: Model
        var classNames: [String]?
        var size: Int
        var positiveClass: Int?
    }

    private func loadClassifier() throws -> Classifier {
        if let model {
            if FileManager.default.fileExists(atPath: (model as NSString).appendingPathComponent(ClassifierHead.specName)) {
                let trained = try TrainedClassifier.load(from: URL(fileURLWithPath: model))
                return Classifier(network: trained.model, classNames: trained.classes, size: trained.imageSize,
                                  positiveClass: trained.positiveClass)
            }
            let loaded = try Checkpoint.load(from: model)
            guard loaded.model.head != nil else {
                throw ModelError.invalidCheckpoint(path: model, reason: "it has no classification head and no "
                                                   + "\(ClassifierHead.specName); give a fine-tune stage's output folder")
            }
            let names = loaded.manifest.classNames
            return Classifier(network: loaded.model, classNames: names, size: loaded.model.options.inputHeight,
                              positiveClass: names.flatMap { ClassList(names: $0).binaryPositive })
        }
        let architecture = try Architecture(name: arch!)
        let format = try WeightFormat.detect(path: weights!)
        let native = architecture.defaultInputSize
        let network = try Model(architecture: architecture, variant: format.variant,
                                options: ModelOptions(includeTop: true, inputHeight: native.height, inputWidth: native.width))
        let arrays = try WeightLoader.read(path: weights!, format: format, for: network).arrays
        let ignored = try WeightLoader.load(arrays, into: network, source: (weights! as NSString).lastPathComponent)
        if !ignored.isEmpty {
            Terminal.error("pipe: note: ignored \(ignored.count) auxiliary-classifier tensors "
                           + "(\(network.ignoredWeightPrefixes.map { $0 + "*" }.joined(separator: ", "))), unused in inference")
        }
        return Classifier(network: network, classNames: nil, size: native.height, positiveClass: nil)
    }

    /// The decision threshold from --threshold or --threshold-from, checked against the model.
    private func decisionThreshold(for classifier: Classifier) throws -> Double? {
        var value = threshold
        if let thresholdFrom { value = try ThresholdFile.read(thresholdFrom) }
        if value != nil && classifier.positiveClass == nil {
            let count = classifier.classNames?.count ?? classifier.network.options.classes
            throw ValidationError("a threshold applies to two-class models; this model has \(count) classes")
        }
        return value
    }

    func run() throws {
        let classifier = try Terminal.orFail { try loadClassifier() }
        let network = classifier.network
        let cut = try Terminal.orFail { try decisionThreshold(for: classifier) }
        if let preprocess { network.preprocessing = Preprocessing(rawValue: preprocess.rawValue)! }
        let side = size ?? classifier.size
        let urls = images.map { URL(fileURLWithPath: $0) }
        var failed = false
        for start in stride(from: 0, to: urls.count, by: batch) {
            let chunk = Array(urls[start..<min(start + batch, urls.count)])
            var pixels: [[UInt8]] = []
            var names: [String] = []
            for (url, decoded) in zip(chunk, ImageDecoder.decodeAll(chunk, as: .rgb8, resizeTo: (side, side))) {
                switch decoded {
                case .success(let image):
                    pixels.append(image.rgbBytes())
                    names.append(url.path)
                case .failure(let error):
                    Terminal.error("\(url.path): error: \(error)")
                    failed = true
                }
            }
            guard !pixels.isEmpty else { continue }
            let input = network.preprocessing.batch(rgb: pixels, height: side, width: side)
            let logits = try Terminal.orFail { try network.logits(input) }
            let probabilities = TrainedClassifier.softmaxRows(logits)
            let classes = logits.shape[1]
            func label(_ index: Int) -> String { classifier.classNames?[index] ?? "class \(index)" }
            for (row, name) in names.enumerated() {
                let l = (0..<classes).map { Double(logits.data[row * classes + $0]) }
                let p = probabilities[row]
                var chosen = p.indices.max { p[$0] < p[$1] }!
                if let cut, let positive = classifier.positiveClass {
                    chosen = p[positive] >= cut ? positive : 1 - positive
                }
                if json {
                    var object: [String: Any] = ["image": name, "class": label(chosen), "logits": l, "probabilities": p]
                    if let cut { object["threshold"] = cut }
                    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                    print(String(decoding: data, as: UTF8.self))
                } else {
                    let rule = cut.map { String(format: " (p(%@) %.4f, threshold %.4f)", label(classifier.positiveClass!), p[classifier.positiveClass!], $0) } ?? ""
                    print("\(name): \(label(chosen))\(rule)")
                    for index in p.indices.sorted(by: { p[$0] > p[$1] }).prefix(5) {
                        print(String(format: "  %.4f  %@", p[index], label(index)))
                    }
                }
            }
        }
        if failed { throw ExitCode.failure }
    }
}
