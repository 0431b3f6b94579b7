import Foundation
import Models
import PipeEngine
import PipeSpec

/// The `import-weights` kind: builds an architecture, loads its weights, and writes a pipe checkpoint.
///
/// `source: keras` uses Keras's own download folder (`~/.keras/models`), so nothing is fetched when Keras
/// already has the file; otherwise it downloads it there (resuming, MD5-checked). `source: torchvision` does
/// the same with torch.hub's folder (`~/.cache/torch/hub/checkpoints`) and torchvision's `IMAGENET1K_V1`
/// files, checked against the SHA-256 prefix in their names. `file` loads a weights file of yours (Keras .h5
/// or .weights.h5, PyTorch .pth, torchvision/timm safetensors, or a pipe checkpoint's model.safetensors),
/// checked against `sha256` when given.
/// `none` keeps the seeded random initialisation and says so. Without `include_top` a file's classifier is
/// left out.
public struct ImportWeightsStage: TypedStageKind {
    public let name = "import-weights"
    public let version = 2
    public let produces = ArtifactKind.modelCheckpoint
    public let defaultResources = StageResources(cores: 1, memory: "4G", time: "1:00:00")

    public init() {}

    public func plan(_ stage: StageSpec, parameters p: ImportWeightsParameters, pipeline: PipelineContext) throws -> StagePlan {
        let arch = p.archName
        switch p.source {
        case .file:
            let file = pipeline.resolve(p.file ?? "").standardizedFileURL
            guard FileManager.default.fileExists(atPath: file.path) else {
                throw StageError.misconfigured(stage: stage.name, reason: "the weights file \(file.path) does not exist; fix `file`")
            }
            return StagePlan(externalInputs: [file])
        case .keras:
            guard let official = KerasWeightsFile.official(arch: arch, includeTop: p.includeTop) else {
                throw StageError.misconfigured(stage: stage.name, reason: "Keras publishes no ImageNet weights for `\(arch)`")
            }
            let cached = KerasWeightsFile.cacheFolder().appendingPathComponent(official.fileName)
            return StagePlan(externalInputs: FileManager.default.fileExists(atPath: cached.path) ? [cached] : [])
        case .torchvision:
            guard let official = TorchvisionWeightsFile.official(arch: arch) else {
                throw StageError.misconfigured(stage: stage.name, reason: "torchvision publishes no ImageNet weights for `\(arch)`")
            }
            let cached = TorchvisionWeightsFile.cacheFolder().appendingPathComponent(official.fileName)
            return StagePlan(externalInputs: FileManager.default.fileExists(atPath: cached.path) ? [cached] : [])
        case .none:
            return StagePlan()
        }
    }

    public func run(_ stage: StageSpec, parameters p: ImportWeightsParameters, plan: StagePlan, context: StageContext) throws {
        let source = p.source
        let includeTop = p.includeTop
        let architecture = p.arch
        var weightsFile: URL?
        switch source {
        case .keras:
            let official = KerasWeightsFile.official(arch: p.archName, includeTop: includeTop)!
            weightsFile = try WeightsDownloader().fetch(official.url, name: official.fileName, into: KerasWeightsFile.cacheFolder(),
                                                        digest: .md5(official.md5)) { done, total in
                if let total, total > 0 { context.progress(Int(done / 1024), of: Int(total / 1024), unit: "kB", detail: "downloading \(official.fileName)") }
            }
        case .torchvision:
            let official = TorchvisionWeightsFile.official(arch: p.archName)!
            weightsFile = try WeightsDownloader().fetch(official.url, name: official.fileName,
                                                        into: TorchvisionWeightsFile.cacheFolder(),
                                                        digest: .sha256Prefix(official.sha256Prefix)) { done, total in
                if let total, total > 0 { context.progress(Int(done / 1024), of: Int(total / 1024), unit: "kB", detail: "downloading \(official.fileName)") }
            }
        case .file:
            weightsFile = plan.externalInputs.first
            if let expected = p.sha256, let file = weightsFile {
                let found = try Self.sha256(of: file, context: context)
                guard found == expected else {
                    throw ImportWeightsError.digestMismatch(file: file.path, expected: expected, found: found, deleted: false)
                }
            }
        case .none:
            context.note("no pretrained weights: the model starts from a seeded random initialisation")
        }
        let variant = try weightsFile.map { try WeightFormat.variant(ofFile: $0.path) } ?? .keras
        let model = try Model(architecture: architecture, variant: variant,
                              options: ModelOptions(includeTop: includeTop, classes: 1000, seed: UInt64(context.pipeline.seed)))
        var sourceWeights: ModelManifest.SourceWeights?
        var ignored: [String] = []
        if let file = weightsFile {
            ignored = try Self.load(file, into: model, includeTop: includeTop, context: context)
            sourceWeights = .init(name: file.lastPathComponent, sha256: try Self.sha256(of: file, context: context))
        }
        try Checkpoint.save(model, to: context.output.path, sourceWeights: sourceWeights)
        struct Summary: Encodable {
            var arch: String
            var variant: String
            var source: String
            var weights: String?
            var sha256: String?
            var initialisation: String
            var ignored: [String]?
        }
        try JSONFile.write(Summary(arch: architecture.rawValue, variant: variant.rawValue, source: source.rawValue,
                                   weights: weightsFile?.path, sha256: sourceWeights?.sha256,
                                   initialisation: weightsFile == nil ? "seeded random (seed \(context.pipeline.seed)); no pretrained weights" : "pretrained",
                                   ignored: ignored.isEmpty ? nil : ignored),
                           to: context.output.appendingPathComponent("import.json"))
    }

    /// Loads `file` strictly, leaving out its classifier without `includeTop`, and notes what was not loaded.
    /// - Returns: the ignored tensors of parts the model does not build (InceptionV3's auxiliary classifier).
    private static func load(_ file: URL, into model: Model, includeTop: Bool, context: StageContext) throws -> [String] {
        if WeightFormat.recordedMetadata(path: file.path)["format"] == ModelManifest.currentFormat {
            try Checkpoint.loadState(SafeTensors.read(path: file.path).arrays, into: model, source: file.lastPathComponent)
            return []
        }
        let (_, arrays) = try WeightLoader.read(path: file.path, for: model)
        let ignored = try WeightLoader.load(arrays, into: model, source: file.lastPathComponent, skipHead: !includeTop)
        if !ignored.isEmpty {
            context.note("ignored \(ignored.count) tensors of \(file.lastPathComponent) that \(model.architecture.rawValue) "
                         + "has no place for (\(model.ignoredWeightPrefixes.map { $0 + "*" }.joined(separator: ", ")): "
                         + "the auxiliary classifier torchvision uses only in training)")
        }
        let top = arrays.keys.filter { key in model.topKeyPrefixes.contains(where: key.hasPrefix) }.sorted()
        if !includeTop, !top.isEmpty {
            context.note("include_top is false: the file's classifier (\(top.joined(separator: ", "))) is not kept")
        }
        return ignored
    }

    /// The file's SHA-256: the engine's hash when it is an external input (already computed for the key).
    private static func sha256(of file: URL, context: StageContext) throws -> String {
        if let hash = context.inputSnapshots[file.path]?.hash, !hash.hasPrefix("tree-") { return hash }
        return try ContentHasher.sha256(file: file.path)
    }
}
