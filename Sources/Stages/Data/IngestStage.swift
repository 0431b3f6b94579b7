import Datasets
import Foundation
import PipeEngine
import PipeSpec

/// The `ingest` kind: reads a dataset as downloaded into `manifest.csv` and `ingest.json`; images are hashed, not copied.
///
/// `root` is an external input (part of the key); without it, the dataset is the output of the one stage in `needs`.
public struct IngestStage: TypedStageKind {
    public let name = "ingest"
    public let version = 2
    public let produces = ArtifactKind.datasetManifest
    public let defaultResources = StageResources(cores: 4, memory: "8G", time: "2:00:00")

    public init() {}

    /// Without `root`, the dataset is the output of the stage in `needs`.
    public func consumes(_ stage: StageSpec) -> [ArtifactNeed] { stage.with["root"]?.stringValue == nil ? [.one(.files)] : [] }

    public func plan(_ stage: StageSpec, parameters p: IngestParameters, pipeline: PipelineContext) throws -> StagePlan {
        guard let root = p.root else {
            guard stage.needs.count == 1 else {
                throw StageError.misconfigured(stage: stage.name, reason: "set `root` to the dataset folder, or put the one `synthesize` stage that makes it in `needs`")
            }
            return .allCores
        }
        let url = pipeline.resolve(root).standardizedFileURL
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw StageError.misconfigured(stage: stage.name, reason: "\(DatasetError.missingRoot(dataset: p.dataset.rawValue, root: url.path))")
        }
        return StagePlan(externalInputs: [url], cores: ProcessInfo.processInfo.activeProcessorCount)
    }

    public func run(_ stage: StageSpec, parameters p: IngestParameters, plan: StagePlan, context: StageContext) throws {
        let root = try plan.externalInputs.first ?? context.input(.files).folder
        var manifest = try adapter(p).read(root: root)
        let limit = p.maxBadFraction
        if manifest.badFraction > limit {
            throw StageError.tooManyBadFiles(stage: stage.name, bad: manifest.skipped.count, total: manifest.rows.count + manifest.skipped.count,
                                             limit: limit, examples: manifest.skipped.prefix(3).map { "\($0.path): \($0.reason)" })
        }
        guard !manifest.rows.isEmpty else {
            throw StageError.misconfigured(stage: stage.name, reason: "\(DatasetError.noImages(dataset: manifest.dataset, root: root.path, detail: "no usable image"))")
        }
        var hashes = try Self.hashes(of: manifest, snapshot: context.inputSnapshots[root.path])
        Self.skipCopies(&manifest, hashes: &hashes)
        var rows: [ManifestEntry] = []
        for (index, (row, hash)) in zip(manifest.rows, hashes).enumerated() {
            var cells = row.columns
            cells[ManifestEntry.Column.path.rawValue] = manifest.url(of: row).path
            cells[ManifestEntry.Column.sha256.rawValue] = hash
            cells[ManifestEntry.Column.label.rawValue] = row.label
            cells[ManifestEntry.Column.patient.rawValue] = row.patient
            rows.append(try ManifestEntry(cells: cells, row: index + 1, file: context.output.appendingPathComponent(ManifestFile.fileName).path))
        }
        try ManifestFile(columns: ManifestFile.leading + manifest.columns, rows: rows).write(to: context.output, paths: context.pipeline.paths)
        let summary = IngestSummary(manifest, paths: context.pipeline.paths)
        try JSONFile.write(summary, to: context.output.appendingPathComponent("ingest.json"))
        if let note = summary.labelNoiseNote, summary.synthetic?.flippedImages ?? 0 > 0 { context.note(note) }
        for note in manifest.notes { context.note(note) }
        for (patient, diagnoses) in manifest.patientsWithTwoDiagnoses.sorted(by: { $0.key < $1.key }) {
            context.note("patient \(patient) is filed under \(diagnoses.joined(separator: " and ")); set drop_duplicate_patient: true to keep one")
        }
    }

    private func adapter(_ p: IngestParameters) -> DatasetAdapter {
        switch p.dataset {
        case .cbisDDSM: .cbis(CBISDDSMAdapter(abnormality: p.abnormality, images: p.images))
        case .imageFolder: .folder(ImageFolderAdapter())
        case .breakhis: .breakhis(BreakHisAdapter(magnifications: Set(p.magnifications), target: p.target,
                                                  dropDuplicatePatient: p.dropDuplicatePatient))
        }
    }

    /// Leaves out every row whose file has the same content as an earlier row's other file: one image under two
    /// names (or patients) could land in train and test at once. Rows naming the same file (several findings on
    /// one mammogram) are kept.
    static func skipCopies(_ manifest: inout DatasetManifest, hashes: inout [String]) {
        var first: [String: String] = [:]
        var keep: [Int] = []
        for (index, row) in manifest.rows.enumerated() {
            if let earlier = first[hashes[index]], earlier != row.path {
                manifest.skipped.append(SkippedFile(path: row.path, reason: "the same image as \(earlier) (identical content)"))
                continue
            }
            first[hashes[index]] = first[hashes[index]] ?? row.path
            keep.append(index)
        }
        guard keep.count < manifest.rows.count else { return }
        manifest.rows = keep.map { manifest.rows[$0] }
        hashes = keep.map { hashes[$0] }
    }

    /// SHA-256 of every row's file: from the input snapshot when the engine already hashed the root, else read here.
    static func hashes(of manifest: DatasetManifest, snapshot: TreeHasher.Snapshot?) throws -> [String] {
        let known = snapshot.map { Dictionary(uniqueKeysWithValues: zip($0.files.map(\.relativePath), $0.fileHashes)) } ?? [:]
        let urls = manifest.rows.map { manifest.url(of: $0) }
        var result = manifest.rows.map { known[$0.path] }
        let missing = result.indices.filter { result[$0] == nil }
        let computed = ContentHasher.sha256(files: missing.map { urls[$0].path })
        for (index, hash) in zip(missing, computed) {
            guard let hash else { throw StageError.badInput(file: urls[index].path, reason: "cannot be read") }
            result[index] = hash
        }
        return result.map { $0! }
    }
}

/// The adapters `ingest` can use, behind one `read`.
enum DatasetAdapter {
    case breakhis(BreakHisAdapter)
    case cbis(CBISDDSMAdapter)
    case folder(ImageFolderAdapter)

    func read(root: URL) throws -> DatasetManifest {
        switch self {
        case .breakhis(let a): try a.read(root: root)
        case .cbis(let a): try a.read(root: root)
        case .folder(let a): try a.read(root: root)
        }
    }
}
