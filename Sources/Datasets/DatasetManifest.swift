import Foundation

/// What an adapter read from a dataset folder: rows to ingest, files skipped, and findings worth reporting.
///
/// `sha256` is not computed here: the caller hashes each `root/path` with its own hasher.
public struct DatasetManifest: Sendable, Equatable {
    /// The adapter name: `breakhis`, `cbis-ddsm` or `image-folder`.
    public var dataset: String
    /// The dataset folder the paths are relative to.
    public var root: URL
    /// Adapter column names, in output order, after `path,sha256,label,patient`.
    public var columns: [String]
    /// Images, sorted by path.
    public var rows: [ManifestRow]
    /// Files left out, sorted by path.
    public var skipped: [SkippedFile]
    /// Patients filed under more than one diagnosis (patient → diagnoses), e.g. BreakHis patient 13412.
    public var patientsWithTwoDiagnoses: [String: [String]]
    /// Other findings for the run report (dropped duplicates, swapped crop/mask columns...).
    public var notes: [String]

    public init(dataset: String, root: URL, columns: [String], rows: [ManifestRow], skipped: [SkippedFile],
                patientsWithTwoDiagnoses: [String: [String]] = [:], notes: [String] = []) {
        self.dataset = dataset; self.root = root; self.columns = columns
        self.rows = rows.sorted { $0.path < $1.path }
        self.skipped = skipped.sorted { ($0.path, $0.reason) < ($1.path, $1.reason) }
        self.patientsWithTwoDiagnoses = patientsWithTwoDiagnoses; self.notes = notes
    }

    /// The share of candidate files that were skipped: compare with `max_bad_fraction`.
    public var badFraction: Double {
        let total = rows.count + skipped.count
        return total == 0 ? 0 : Double(skipped.count) / Double(total)
    }

    /// Absolute location of a row's file.
    public func url(of row: ManifestRow) -> URL { root.appendingPathComponent(row.path) }

    /// The manifest as CSV (`path,sha256,label,patient,<columns>`), with `sha256` from the caller.
    public func csv(sha256: (ManifestRow) -> String) -> String {
        var lines = [CSVTable.line(["path", "sha256", "label", "patient"] + columns)]
        for row in rows {
            lines.append(CSVTable.line([row.path, sha256(row), row.label, row.patient] + columns.map { row.columns[$0] ?? "" }))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
