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
    /// For a synthetic data set (its `synthesis.json`): the preset and how many images carry a wrong label.
    var synthetic: Synthetic?

    struct Synthetic: Encodable {
        var difficulty: String
        var labelNoise: Double
        /// Flipped images among those ingest kept.
        var flippedImages: Int
        var flipped: [String]

        enum CodingKeys: String, CodingKey {
            case difficulty, flipped
            case labelNoise = "label_noise", flippedImages = "flipped_images"
        }
    }

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
        if let record = SyntheticSummary.record(in: manifest.root) {
            let kept = Set(manifest.rows.map(\.path))
            let flipped = record.flipped.filter { kept.contains($0) }
            synthetic = Synthetic(difficulty: record.difficulty.rawValue, labelNoise: record.labelNoise, flippedImages: flipped.count, flipped: flipped)
        }
    }

    /// The sentence the report and the console state about label noise, nil for real data.
    var labelNoiseNote: String? {
        guard let synthetic else { return nil }
        return "Synthetic data at difficulty \(synthetic.difficulty): \(synthetic.flippedImages) of \(images) images have a flipped label "
            + "(label noise \(synthetic.labelNoise) asked)."
    }

    enum CodingKeys: String, CodingKey {
        case dataset, root, images, patients, skipped, notes, synthetic
        case perClass = "per_class", perPatient = "per_patient", perMagnification = "per_magnification"
        case patientsWithTwoDiagnoses = "patients_with_two_diagnoses"
    }
}
