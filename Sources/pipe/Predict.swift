import ArgumentParser
import Foundation
import Imaging
import Models

/// Classifies images with a model: the top-5 classes, or logits and probabilities as JSON lines.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Classify images with an architecture and weights, or a pipe checkpoint.",
        discussion: """
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

    @Option(help: ArgumentHelp("A pipe checkpoint folder (model.json + model.safetensors) instead of --arch/--weights.", valueName: "DIR"))
    var model: String?

    @Option(help: "Input scaling; default: what the weights expect.")
    var preprocess: Mode?

    @Option(help: "Input size in pixels (default: the architecture's, 224 or 299).")
    var size: Int?

    @Option(help: "Images per forward pass.")
    var batch: Int = 8

    @Flag(help: "Print one JSON object per image: image, logits, probabilities.")
    var json = false

    @Argument(help: "Images to classify.")
    var images: [String] = []

    func validate() throws {
        if images.isEmpty { throw ValidationError("name at least one IMAGE") }
        if model == nil && (arch == nil || weights == nil) { throw ValidationError("give --model DIR, or --arch and --weights") }
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
    }

    func run() throws {
        let (network, classNames) = try Terminal.orFail { () throws -> (Model, [String]?) in
            if let model {
                let loaded = try Checkpoint.load(from: model)
                return (loaded.model, loaded.manifest.classNames)
            }
            let architecture = try Architecture(name: arch!)
            let format = try WeightFormat.detect(path: weights!)
            let network = try Model(architecture: architecture, variant: format.variant, options: ModelOptions(includeTop: true))
            let arrays = try WeightLoader.read(path: weights!, format: format, for: network).arrays
            let ignored = try WeightLoader.load(arrays, into: network, source: (weights! as NSString).lastPathComponent)
            if !ignored.isEmpty {
                Terminal.error("pipe: note: ignored \(ignored.count) auxiliary-classifier tensors "
                               + "(\(network.ignoredWeightPrefixes.map { $0 + "*" }.joined(separator: ", "))), unused in inference")
            }
            return (network, nil)
        }
        if let preprocess { network.preprocessing = Preprocessing(rawValue: preprocess.rawValue)! }
        let side = size ?? network.options.inputHeight
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
            let probabilities = try Terminal.orFail { try network.predict(input) }
            let classes = logits.shape[1]
            for (row, name) in names.enumerated() {
                let l = (0..<classes).map { Double(logits.data[row * classes + $0]) }
                let p = (0..<classes).map { Double(probabilities.data[row * classes + $0]) }
                if json {
                    let object: [String: Any] = ["image": name, "logits": l, "probabilities": p]
                    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                    print(String(decoding: data, as: UTF8.self))
                } else {
                    print(name)
                    for index in p.indices.sorted(by: { p[$0] > p[$1] }).prefix(5) {
                        print(String(format: "  %.4f  %@", p[index], classNames?[index] ?? "class \(index)"))
                    }
                }
            }
        }
        if failed { throw ExitCode.failure }
    }
}
