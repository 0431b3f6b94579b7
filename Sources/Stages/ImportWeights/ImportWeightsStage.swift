import Foundation
import Models
import PipeEngine
import PipeSpec

/// The `import-weights` kind: builds an architecture, loads its weights, and writes a pipe checkpoint.
///
/// `source: keras` uses Keras's own download folder (`~/.keras/models`), so nothing is fetched when Keras
/// already has the file; otherwise it downloads it there (resuming, MD5-checked). `file` loads a weights file
/// of yours (Keras .h5 or .weights.h5, or torchvision/timm safetensors), checked against `sha256` when given.
/// `none` keeps the seeded random initialisation and says so.
public struct ImportWeightsStage: StageKind {
    public let name = "import-weights"
    public let version = 1

    public init() {}

    public func plan(_ stage: StageSpec, pipeline: PipelineContext) throws -> StagePlan {
        let p = StageParameters(stage)
        let arch = p.string("arch") ?? ""
        switch p.string("source") {
        case "file":
            let file = pipeline.resolve(p.string("file") ?? "").standardizedFileURL
            guard FileManager.default.fileExists(atPath: file.path) else {
                throw StageError.misconfigured(stage: stage.name, reason: "the weights file \(file.path) does not exist; fix `file`")
            }
            return StagePlan(externalInputs: [file])
        case "keras":
            guard let official = KerasWeightsFile.official(arch: arch, includeTop: p.bool("include_top") ?? false) else {
                throw StageError.misconfigured(stage: stage.name, reason: "Keras publishes no ImageNet weights for `\(arch)`")
            }
            let cached = KerasWeightsFile.cacheFolder().appendingPathComponent(official.fileName)
            return StagePlan(externalInputs: FileManager.default.fileExists(atPath: cached.path) ? [cached] : [])
        case "torchvision":
            throw StageError.misconfigured(stage: stage.name, reason: "pipe does not download torchvision weights; save them as safetensors and use `source: file` with `file:`")
        default:
            return StagePlan()
        }
    }

    public func run(_ stage: StageSpec, plan: StagePlan, context: StageContext) throws {
        let p = StageParameters(stage)
        let source = p.string("source") ?? "none"
        let includeTop = p.bool("include_top") ?? false
        let architecture = try Architecture(name: p.string("arch") ?? "")
        var weightsFile: URL?
        switch source {
        case "keras":
            let official = KerasWeightsFile.official(arch: p.string("arch") ?? "", includeTop: includeTop)!
            weightsFile = try WeightsDownloader().fetch(official.url, name: official.fileName, into: KerasWeightsFile.cacheFolder(),
                                                        digest: .md5(official.md5)) { done, total in
                if let total, total > 0 { context.progress(Int(done / 1024), of: Int(total / 1024)) }
            }
        case "file":
            weightsFile = plan.externalInputs.first
            if let expected = p.string("sha256"), let file = weightsFile {
                let found = try Self.sha256(of: file, context: context)
                guard found == expected else {
                    throw ImportWeightsError.digestMismatch(file: file.path, expected: expected, found: found, deleted: false)
                }
            }
        default:
            context.note("no pretrained weights: the model starts from a seeded random initialisation")
        }
        let variant: Variant = try weightsFile.map { try WeightFormat.detect(path: $0.path) == .safetensors ? .torchvision : .keras } ?? .keras
        let model = try Model(architecture: architecture, variant: variant,
                              options: ModelOptions(includeTop: includeTop, classes: 1000, seed: UInt64(context.pipeline.seed)))
        var sourceWeights: ModelManifest.SourceWeights?
        if let file = weightsFile {
            try model.loadWeights(path: file.path)
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
        }
        try JSONFile.write(Summary(arch: architecture.rawValue, variant: variant.rawValue, source: source,
                                   weights: weightsFile?.path, sha256: sourceWeights?.sha256,
                                   initialisation: weightsFile == nil ? "seeded random (seed \(context.pipeline.seed)); no pretrained weights" : "pretrained"),
                           to: context.output.appendingPathComponent("import.json"))
    }

    /// The file's SHA-256: the engine's hash when it is an external input (already computed for the key).
    private static func sha256(of file: URL, context: StageContext) throws -> String {
        if let hash = context.inputSnapshots[file.path]?.hash, !hash.hasPrefix("tree-") { return hash }
        return try ContentHasher.sha256(file: file.path)
    }
}
