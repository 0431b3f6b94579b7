/// One image of a dataset: where it is, its class, its patient and adapter-specific columns.
public struct ManifestRow: Sendable, Equatable {
    /// Path relative to the dataset root, with `/` separators.
    public var path: String
    /// Class label, e.g. `benign` or `malignant`.
    public var label: String
    /// Patient identifier, for patient-wise splits.
    public var patient: String
    /// Adapter columns by name (see `DatasetManifest.columns` for their order).
    public var columns: [String: String]

    public init(path: String, label: String, patient: String, columns: [String: String] = [:]) {
        self.path = path; self.label = label; self.patient = patient; self.columns = columns
    }
}
