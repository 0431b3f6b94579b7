import Datasets
import PipeEngine

/// The contents of `ingest.json`: counts per class, patient and magnification, and every skipped file with its reason.
struct IngestSummary: Encodable {
    struct Skipped: Encodable {
        var path: String
        var reason: String
    }

    var dataset: String
    var root: String
    var images: Int
    var patients: Int
    var perClass: [String: Int]
    var perPatient: [String: Int]
    var perMagnification: [String: Int]?
    var skipped: [Skipped]
    var patientsWithTwoDiagnoses: [String: [String]]
    var notes: [String]

    init(_ manifest: DatasetManifest, paths: PortablePaths) {
        dataset = manifest.dataset
        root = paths.portable(manifest.root.path)
        images = manifest.rows.count
        perClass = Dictionary(grouping: manifest.rows, by: \.label).mapValues(\.count)
        perPatient = Dictionary(grouping: manifest.rows, by: \.patient).mapValues(\.count)
        patients = perPatient.count
        let magnifications = manifest.rows.compactMap { $0.columns["magnification"] }
        perMagnification = magnifications.isEmpty ? nil : Dictionary(grouping: magnifications, by: { $0 }).mapValues(\.count)
        skipped = manifest.skipped.map { Skipped(path: $0.path, reason: $0.reason) }
        patientsWithTwoDiagnoses = manifest.patientsWithTwoDiagnoses
        notes = manifest.notes
    }

    enum CodingKeys: String, CodingKey {
        case dataset, root, images, patients, skipped, notes
        case perClass = "per_class", perPatient = "per_patient", perMagnification = "per_magnification"
        case patientsWithTwoDiagnoses = "patients_with_two_diagnoses"
    }
}
