import Foundation
import Imaging
import PipeBase

/// Reads CBIS-DDSM (case-description CSVs plus the TCIA DICOM tree or the Kaggle JPEG copy) into manifest rows of
/// full mammograms or ROI crops, keeping the official train/test split as a column.
public struct CBISDDSMAdapter: Sendable {
    /// Which abnormalities to read.
    public enum Abnormality: String, Sendable, CaseIterable { case mass, calc, both }
    /// Which images the rows point at.
    public enum Images: String, Sendable, CaseIterable {
        /// The whole mammogram (one row per image; malignant when any of its abnormalities is).
        case full
        /// The cropped region of each abnormality, told from its mask by content.
        case roi
    }

    public var abnormality: Abnormality
    public var images: Images
    /// Decode every full mammogram to find corrupt files (ROI candidates are always decoded to tell crop from mask).
    public var verifyImages: Bool

    /// The adapter columns, in order.
    public static let columns = ["split", "abnormality", "laterality", "view", "abnormality_id", "pathology",
                                 "assessment", "subtlety", "breast_density", "mask"]

    public init(abnormality: Abnormality = .both, images: Images = .roi, verifyImages: Bool = true) {
        self.abnormality = abnormality; self.images = images; self.verifyImages = verifyImages
    }

    /// Reads the dataset below `root`.
    public func read(root: URL) throws(DatasetError) -> DatasetManifest {
        guard DatasetFiles.isFolder(root) else { throw .missingRoot(dataset: "cbis-ddsm", root: root.path) }
        let files = DatasetFiles.list(root)
        var cases: [CBISDDSMCase] = []
        var found = 0
        for csv in CBISDDSMCase.csvFiles where abnormality == .both || abnormality.rawValue == csv.abnormality {
            guard let path = files.first(where: { $0.split(separator: "/").last?.lowercased() == csv.name }) else { continue }
            found += 1
            cases += try CBISDDSMCase.read(root.appendingPathComponent(path), relativePath: path,
                                           abnormality: csv.abnormality, split: csv.split)
        }
        guard found > 0 else {
            throw .noImages(dataset: "cbis-ddsm", root: root.path, detail: "none of the case-description CSVs found")
        }
        let index = try CBISDDSMImageIndex(files: files, root: root)
        var skipped: [SkippedFile] = []
        var usable: [(CBISDDSMCase, String)] = []
        for item in cases {
            if let label = item.label { usable.append((item, label)) } else {
                skipped.append(SkippedFile(path: item.imagePath, reason: "\(item.source): unknown pathology `\(item.pathology)`"))
            }
        }
        let result = images == .full ? fullRows(usable, index: index, root: root) : roiRows(usable, index: index, root: root)
        return DatasetManifest(dataset: "cbis-ddsm", root: root, columns: Self.columns, rows: result.rows,
                               skipped: skipped + result.skipped, notes: result.notes)
    }

    private func columns(_ item: CBISDDSMCase, mask: String) -> [String: String] {
        ["split": item.split, "abnormality": item.abnormality, "laterality": item.laterality, "view": item.view,
         "abnormality_id": item.abnormalityID, "pathology": item.pathology, "assessment": item.assessment,
         "subtlety": item.subtlety, "breast_density": item.density, "mask": mask]
    }

    private typealias Outcome = (rows: [ManifestRow], skipped: [SkippedFile], notes: [String])

    private func fullRows(_ cases: [(CBISDDSMCase, String)], index: CBISDDSMImageIndex, root: URL) -> Outcome {
        var rows: [String: ManifestRow] = [:]
        var order: [String] = []
        var skipped: [SkippedFile] = []
        for (item, label) in cases {
            guard let file = index.candidates(for: item.imagePath).first else {
                skipped.append(SkippedFile(path: item.imagePath, reason: "\(item.source): image not found below the root"))
                continue
            }
            if var row = rows[file] {
                if label == "malignant" { row.label = label }
                row.columns["abnormality_id"]! += ";" + item.abnormalityID
                rows[file] = row
            } else {
                rows[file] = ManifestRow(path: file, label: label, patient: item.patient, columns: columns(item, mask: ""))
                order.append(file)
            }
        }
        var kept = order
        if verifyImages {
            let problems = DatasetFiles.check(order, root: root)
            for (file, problem) in zip(order, problems) where problem != nil { skipped.append(SkippedFile(path: file, reason: problem!)) }
            kept = zip(order, problems).filter { $0.1 == nil }.map(\.0)
        }
        return (kept.map { rows[$0]! }, skipped, [])
    }

    /// Classifies every candidate file as mask or image by content, then pairs each abnormality with its crop.
    private func roiRows(_ cases: [(CBISDDSMCase, String)], index: CBISDDSMImageIndex, root: URL) -> Outcome {
        let candidates = cases.map { index.roiCandidates(for: [$0.0.croppedPath, $0.0.maskPath]) }
        let unique = Array(Set(candidates.flatMap { $0 })).sorted()
        let kinds = Parallel.map(unique.count) { i in MaskDetector.classify(root.appendingPathComponent(unique[i]), path: unique[i]) }
        let kindOf = Dictionary(uniqueKeysWithValues: zip(unique, kinds))
        var rows: [ManifestRow] = [], skipped: [SkippedFile] = [], swapped = 0
        var reportedBad = Set<String>()
        for ((item, label), files) in zip(cases, candidates) {
            for file in files { if case let .unreadable(reason) = kindOf[file]!, reportedBad.insert(file).inserted {
                skipped.append(SkippedFile(path: file, reason: reason))
            } }
            let crops = files.filter { kindOf[$0] == .image }, masks = files.filter { kindOf[$0] == .mask }
            guard let crop = crops.first else {
                let reason = files.isEmpty ? "cropped image not found below the root" : "no cropped image among \(files.count) files (all masks or unreadable)"
                skipped.append(SkippedFile(path: item.croppedPath, reason: "\(item.source): \(reason)"))
                continue
            }
            let listed = Self.stems(item.croppedPath)
            if !listed.contains(Self.stem(crop)), masks.contains(where: { listed.contains(Self.stem($0)) }) { swapped += 1 }
            rows.append(ManifestRow(path: crop, label: label, patient: item.patient, columns: columns(item, mask: masks.first ?? "")))
        }
        let notes = swapped > 0 ? ["\(swapped) rows list the ROI mask as the cropped image (and vice versa); told apart by content"] : []
        return (rows, skipped, notes)
    }

    /// The names (without extension) a CSV file may have on disk: `000000` in the classic layouts, `1-1` in the
    /// current TCIA layout and the Kaggle copy.
    static func stems(_ csvPath: String) -> Set<String> {
        let file = stem(CBISDDSMCase.parts(csvPath).file)
        var stems: Set<String> = [file]
        if let number = Int(file) { stems.insert("1-\(number + 1)") }
        return stems
    }

    static func stem(_ path: String) -> String {
        let file = path.split(separator: "/").last.map(String.init) ?? path
        return file.split(separator: ".").first.map(String.init) ?? file
    }
}
