import Foundation

/// Reads BreakHis as downloaded (official tree, or a Kaggle copy with `BreaKHis_v1` nested twice and `Folds.csv`)
/// into manifest rows: label, patient (numeric slide id) and the parts of each file name.
public struct BreakHisAdapter: Sendable {
    /// What the label is.
    public enum Target: String, Sendable, CaseIterable {
        /// `benign` or `malignant`.
        case binary
        /// The eight subtype folder names (`adenosis` ... `papillary_carcinoma`).
        case subtype
    }

    /// Magnifications to keep (40, 100, 200, 400).
    public var magnifications: Set<Int>
    /// Binary or subtype labels.
    public var target: Target
    /// Keep only one diagnosis of a patient filed under several (BreakHis patient 13412: ductal and lobular carcinoma);
    /// the diagnosis with the most images stays (ties: the first alphabetically).
    public var dropDuplicatePatient: Bool
    /// Decode every image to find corrupt files (on all cores); off only trusts names.
    public var verifyImages: Bool

    /// The adapter columns, in order, before any `fold<N>` columns from `Folds.csv`.
    public static let columns = ["tumor", "subtype", "magnification", "slide", "sequence"]

    public init(magnifications: Set<Int> = [40, 100, 200, 400], target: Target = .binary,
                dropDuplicatePatient: Bool = false, verifyImages: Bool = true) {
        self.magnifications = magnifications; self.target = target
        self.dropDuplicatePatient = dropDuplicatePatient; self.verifyImages = verifyImages
    }

    /// Reads the dataset below `root`.
    public func read(root: URL) throws(DatasetError) -> DatasetManifest {
        guard DatasetFiles.isFolder(root) else { throw .missingRoot(dataset: "breakhis", root: root.path) }
        guard !magnifications.isEmpty, magnifications.isSubset(of: [40, 100, 200, 400]) else {
            throw .invalidOption("magnifications must be among 40, 100, 200, 400")
        }
        var skipped: [SkippedFile] = []
        var candidates: [(path: String, name: BreakHisName)] = []
        var foldsFile: String?
        var firstPath: [String: String] = [:]
        for path in DatasetFiles.list(root) {
            let fileName = String(path.split(separator: "/").last ?? "")
            let inMagnificationFolder = path.split(separator: "/").dropLast().last.map { $0.uppercased().hasSuffix("X") && Int($0.dropLast()) != nil } ?? false
            if fileName.lowercased() == "folds.csv" { foldsFile = foldsFile ?? path; continue }
            guard DatasetFiles.ext(path) == "png" else {
                if inMagnificationFolder { skipped.append(SkippedFile(path: path, reason: "not a PNG image")) }
                continue
            }
            guard let name = BreakHisName(fileName: fileName) else {
                skipped.append(SkippedFile(path: path, reason: "file name does not follow SOB_<B|M>_<type>-<yy>-<slide>-<mag>-<seq>.png"))
                continue
            }
            if let first = firstPath[fileName] {
                skipped.append(SkippedFile(path: path, reason: "duplicate of \(first)"))
                continue
            }
            firstPath[fileName] = path
            if magnifications.contains(name.magnification) { candidates.append((path, name)) }
        }
        if candidates.isEmpty && skipped.isEmpty {
            throw .noImages(dataset: "breakhis", root: root.path, detail: "no SOB_*.png images found")
        }
        if verifyImages {
            let problems = DatasetFiles.check(candidates.map(\.path), root: root)
            for (candidate, problem) in zip(candidates, problems) where problem != nil {
                skipped.append(SkippedFile(path: candidate.path, reason: problem!))
            }
            candidates = zip(candidates, problems).filter { $0.1 == nil }.map(\.0)
        }
        let (diagnoses, kept, notes) = resolveDuplicates(candidates)
        let folds = try foldsFile.map { path throws(DatasetError) in try BreakHisFolds(contentsOf: root.appendingPathComponent(path)) }
        let foldColumns = folds?.folds.map { "fold\($0)" } ?? []
        let rows = kept.map { candidate -> ManifestRow in
            let name = candidate.name
            var columns = ["tumor": name.tumorClass, "subtype": name.subtype, "magnification": String(name.magnification),
                           "slide": name.slide, "sequence": String(name.sequence)]
            if let folds {
                let assigned = folds.assignments[name.fileName] ?? [:]
                for fold in folds.folds { columns["fold\(fold)"] = assigned[fold] ?? "" }
            }
            return ManifestRow(path: candidate.path, label: target == .binary ? name.tumorClass : name.subtypeName,
                               patient: name.patient, columns: columns)
        }
        return DatasetManifest(dataset: "breakhis", root: root, columns: Self.columns + foldColumns, rows: rows,
                               skipped: skipped, patientsWithTwoDiagnoses: diagnoses, notes: notes)
    }

    /// Finds patients under several subtypes and, when asked, keeps only one diagnosis of each.
    private func resolveDuplicates(_ candidates: [(path: String, name: BreakHisName)])
        -> ([String: [String]], [(path: String, name: BreakHisName)], [String]) {
        var counts: [String: [String: Int]] = [:]
        for candidate in candidates { counts[candidate.name.patient, default: [:]][candidate.name.subtype, default: 0] += 1 }
        let several = counts.filter { $0.value.count > 1 }
        let diagnoses = several.mapValues { $0.keys.sorted() }
        var notes: [String] = []
        for (patient, subtypes) in diagnoses.sorted(by: { $0.key < $1.key }) {
            notes.append("patient \(patient) appears under several diagnoses: \(subtypes.joined(separator: ", "))")
        }
        guard dropDuplicatePatient, !several.isEmpty else { return (diagnoses, candidates, notes) }
        var keep: [String: String] = [:]
        for (patient, subtypes) in several {
            keep[patient] = subtypes.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.first!.key
        }
        let kept = candidates.filter { candidate in keep[candidate.name.patient].map { $0 == candidate.name.subtype } ?? true }
        for (patient, subtype) in keep.sorted(by: { $0.key < $1.key }) {
            let dropped = several[patient]!.filter { $0.key != subtype }.map { "\($0.value) images under \($0.key)" }
            notes.append("patient \(patient): kept \(subtype), dropped \(dropped.sorted().joined(separator: ", "))")
        }
        return (diagnoses, kept, notes)
    }
}
