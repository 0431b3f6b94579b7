import Datasets
import Foundation
import PipeBase
import PipeEngine
import PipeSpec

/// The `split` kind: adds a `split` column (train/val/test) to the manifest, keeping each patient in one split.
///
/// Fractions (`train`/`val`/`test`), the dataset's official folds, or `kfold` + `fold`; `val` is then carved
/// patient-wise from the training rows. Every split asked for must get a patient and train every class
/// (`SplitCoverage`); a cohort too small for that is an error, not an empty split.
public struct SplitStage: TypedStageKind {
    public let name = "split"
    public let version = 2
    public let produces = ArtifactKind.splitManifest

    public init() {}

    public func consumes(_ stage: StageSpec) -> [ArtifactNeed] { [.one(.datasetManifest)] }

    public func run(_ stage: StageSpec, parameters p: SplitParameters, plan: StagePlan, context: StageContext) throws {
        let input = try ManifestFile.input(.datasetManifest, of: context)
        var manifest = input.manifest
        let byPatient = p.groupBy == .patient
        if !byPatient {
            context.note("group_by: none splits images, not patients: one patient's images land in several splits and inflate the scores")
        }
        let groups = byPatient ? manifest.rows.map(\.patient) : manifest.rows.indices.map { "row\($0)" }
        let labels = p.stratify == .label ? manifest.rows.map(\.label) : Array(repeating: "", count: manifest.rows.count)
        var random = SeededRandom(seed: UInt64(context.pipeline.seed), 0x5917)
        let parts: [PatientSplitter.Part]
        var requested: [PatientSplitter.Part] = [.train, .test]
        if p.folds == .official {
            parts = try officialParts(manifest, stage: stage.name, p: p, groups: groups, labels: labels, random: &random)
            if !parts.contains(.test) { requested = [.train] }
        } else if let k = p.kfold, let fold = p.fold {
            guard fold < k else { throw StageError.misconfigured(stage: stage.name, reason: "fold \(fold) does not exist with kfold \(k); use 0...\(k - 1)") }
            let test = PatientSplitter.folds(k, groups: groups, labels: labels, using: &random).map { $0 == fold }
            parts = carveValidation(test: test, fraction: p.val, groups: groups, labels: labels, random: &random)
        } else {
            let fractions = (train: p.train, val: p.val, test: p.test)
            parts = PatientSplitter(train: fractions.train, val: fractions.val, test: fractions.test)
                .assign(groups: groups, labels: labels, using: &random)
            requested = zip(PatientSplitter.Part.allCases, [fractions.train, fractions.val, fractions.test]).filter { $0.1 > 0 }.map(\.0)
        }
        if p.val > 0, !requested.contains(.val) { requested.insert(.val, at: 1) }
        try SplitCoverage(stage: stage.name, requested: requested).check(parts: parts, groups: groups, labels: manifest.rows.map(\.label))
        manifest.addColumn(.split)
        for (index, part) in parts.enumerated() { manifest.rows[index].split = part }
        let summary = SplitSummary(manifest: manifest, byPatient: byPatient)
        guard summary.patientsInSeveralSplits.isEmpty || !byPatient else {
            throw StageError.misconfigured(stage: stage.name, reason: "patients \(summary.patientsInSeveralSplits.prefix(5).joined(separator: ", ")) would cross splits")
        }
        try manifest.write(to: context.output, paths: context.pipeline.paths)
        try UpstreamRecords.carry(from: input.folder, to: context.output)
        try JSONFile.write(summary, to: context.output.appendingPathComponent("split.json"))
    }

    /// BreakHis: `Folds.csv`'s fold (`fold`, default 1) gives test; CBIS-DDSM: its official train/test sets.
    private func officialParts(_ manifest: ManifestFile, stage: String, p: SplitParameters, groups: [String], labels: [String],
                               random: inout SeededRandom) throws -> [PatientSplitter.Part] {
        let test: [Bool]
        if manifest.columns.contains("fold\(p.fold ?? 1)") {
            test = manifest.values("fold\(p.fold ?? 1)").map { $0.lowercased() == "test" }
        } else if manifest.has(.split) {
            test = manifest.rows.map { $0.split == .test }
        } else {
            throw StageError.misconfigured(stage: stage, reason: "folds: official needs the dataset's official split: BreakHis with Folds.csv at its root (columns fold1...fold5) or CBIS-DDSM")
        }
        return carveValidation(test: test, fraction: p.val, groups: groups, labels: labels, random: &random)
    }

    /// Keeps `test` rows as test and splits the rest into train and a patient-wise `fraction` of val.
    private func carveValidation(test: [Bool], fraction: Double, groups: [String], labels: [String],
                                 random: inout SeededRandom) -> [PatientSplitter.Part] {
        let rest = test.indices.filter { !test[$0] }
        let inner = PatientSplitter(train: 1 - fraction, val: fraction, test: 0)
            .assign(groups: rest.map { groups[$0] }, labels: rest.map { labels[$0] }, using: &random)
        var parts = test.map { $0 ? PatientSplitter.Part.test : .train }
        for (index, part) in zip(rest, inner) { parts[index] = part }
        return parts
    }
}

/// The contents of `split.json`: images per split and class, patients per split, and the leakage check.
struct SplitSummary: Encodable {
    var images: [String: Int]
    var perClass: [String: [String: Int]]
    var patients: [String: Int]
    var patientsInSeveralSplits: [String]
    var groupedByPatient: Bool

    init(manifest: ManifestFile, byPatient: Bool) {
        let splits = manifest.rows.map { $0.split?.rawValue ?? "" }, labels = manifest.rows.map(\.label), patients = manifest.rows.map(\.patient)
        images = Dictionary(grouping: splits, by: { $0 }).mapValues(\.count)
        perClass = Dictionary(grouping: splits.indices, by: { splits[$0] }).mapValues { rows in
            Dictionary(grouping: rows, by: { labels[$0] }).mapValues(\.count)
        }
        self.patients = Dictionary(grouping: splits.indices, by: { splits[$0] }).mapValues { Set($0.map { patients[$0] }).count }
        let splitsOf = Dictionary(grouping: splits.indices, by: { patients[$0] }).mapValues { Set($0.map { splits[$0] }) }
        patientsInSeveralSplits = splitsOf.filter { $0.value.count > 1 }.keys.sorted()
        groupedByPatient = byPatient
    }

    enum CodingKeys: String, CodingKey {
        case images, patients
        case perClass = "per_class", patientsInSeveralSplits = "patients_in_several_splits", groupedByPatient = "grouped_by_patient"
    }
}
