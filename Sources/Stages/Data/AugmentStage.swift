import Datasets
import Foundation
import Imaging
import PipeBase
import PipeEngine
import PipeSpec

/// The `augment` kind: writes `copies` augmented PNGs of every training image and adds their rows to the manifest.
///
/// Only `split == train` rows are augmented (validation and test stay untouched). A new row keeps the original's
/// label, patient and split, and names it in `source`. Each copy's randomness comes from the seed, the row and
/// the copy number, so the result does not depend on how the work is spread over cores.
public struct AugmentStage: TypedStageKind {
    public let name = "augment"
    public let version = 2
    public let produces = ArtifactKind.splitManifest
    public let defaultResources = StageResources(cores: 4, memory: "8G", time: "2:00:00")

    public init() {}

    public func consumes(_ stage: StageSpec) -> [ArtifactNeed] { [.one(.splitManifest)] }

    public func plan(_ stage: StageSpec, parameters: AugmentParameters, pipeline: PipelineContext) throws -> StagePlan { .allCores }

    public func run(_ stage: StageSpec, parameters p: AugmentParameters, plan: StagePlan, context: StageContext) throws {
        let input = try ManifestFile.input(.splitManifest, of: context)
        var manifest = input.manifest
        guard manifest.has(.split) else {
            throw StageError.misconfigured(stage: stage.name, reason: "its input has no `split` column; put it after a split stage so only training images are augmented")
        }
        let copies = p.copies
        let steps = p.ops
        let training = manifest.rows.indices.filter { manifest.rows[$0].split == .train }
        let folder = context.output.appendingPathComponent("augmented")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let jobs = training.flatMap { row in (1...copies).map { (row: row, copy: $0) } }
        let seed = UInt64(context.pipeline.seed)
        let rows = manifest.rows
        let results = ParallelResults<Result<URL, Error>>(count: jobs.count)
        let done = ParallelResults<Bool>(count: 1)
        DispatchQueue.concurrentPerform(iterations: jobs.count) { j in
            let (row, copy) = jobs[j]
            results.set(j, Result {
                var random = SeededRandom(seed: seed, 0xA06, UInt64(row), UInt64(copy))
                let image = try ImageDecoder.decode(contentsOf: URL(fileURLWithPath: rows[row].path))
                let stem = rows[row].sha256.prefix(16)
                let url = folder.appendingPathComponent("\(stem)-\(copy).png")
                try PNGCodec.write(try steps.apply(to: image.channels == 3 ? image.converted(to: .rgb8) : image.converted(to: .gray8),
                                                   using: &random), to: url, fast: true)
                return url
            })
            done.increment { context.progress($0, of: jobs.count, unit: "images") }
        }
        var written: [URL] = []
        for (j, result) in results.values.enumerated() {
            switch result {
            case .success(let url)?: written.append(url)
            case .failure(let error)?: throw StageError.badInput(file: rows[jobs[j].row].path, reason: "cannot augment: \(error)")
            case nil: throw StageError.cannotWrite(folder.path)
            }
        }
        let hashes = ContentHasher.sha256(files: written.map(\.path))
        manifest.addColumn(.source)
        for ((job, url), hash) in zip(zip(jobs, written), hashes) {
            var row = rows[job.row]
            // Named where the file will live once this result is committed.
            row.path = context.committedOutput.appendingPathComponent("augmented/" + url.lastPathComponent).path
            row.sha256 = hash ?? ""
            row.source = rows[job.row].path
            manifest.rows.append(row)
        }
        try manifest.write(to: context.output, paths: context.pipeline.paths)
        try UpstreamRecords.carry(from: input.folder, to: context.output)
        struct Summary: Encodable { var training: Int; var copies: Int; var added: Int }
        try JSONFile.write(Summary(training: training.count, copies: copies, added: written.count),
                           to: context.output.appendingPathComponent("augment.json"))
    }
}
