/// One image of a `manifest.csv`: the columns the stages rely on, typed, and the dataset's own columns by name.
///
/// Named apart from `Datasets.ManifestRow`, which is an adapter's row before ingest (relative path, no hash).
/// An empty cell of an optional column reads as nil and writes as an empty cell, so a manifest read and
/// written again is byte for byte the same.
public struct ManifestEntry: Sendable, Equatable {
    /// The part of the data an image belongs to, from the `split` column.
    public enum Split: String, Sendable, CaseIterable {
        case train, val, test
    }

    /// The columns with a typed property, by their header name.
    public enum Column: String, Sendable, CaseIterable {
        case path, sha256, label, patient, split, source, magnification, balance
    }

    /// The image's absolute path.
    public var path: String
    public var sha256: String
    public var label: String
    public var patient: String
    /// Nil before a split stage (or for a dataset without an official split).
    public var split: Split?
    /// For an augmented copy, the original image's absolute path.
    public var source: String?
    public var magnification: String?
    /// `oversample`, or the row's class weight, from a balance stage.
    public var balance: String?
    /// Every other column (tumor, subtype, slide, fold1..., laterality...) by name.
    public var extra: [String: String]

    public init(path: String, sha256: String = "", label: String = "", patient: String = "", split: Split? = nil,
                source: String? = nil, magnification: String? = nil, balance: String? = nil, extra: [String: String] = [:]) {
        self.path = path; self.sha256 = sha256; self.label = label; self.patient = patient; self.split = split
        self.source = source; self.magnification = magnification; self.balance = balance; self.extra = extra
    }

    /// The entry of one CSV row's cells by column; `row` (1 for the first after the header) and `file` name it in errors.
    /// An absent required column reads as empty: `ManifestFile` checks the header first.
    init(cells: [String: String], row: Int, file: String) throws {
        func optional(_ column: Column) -> String? { cells[column.rawValue].flatMap { $0.isEmpty ? nil : $0 } }
        var split: Split?
        if let value = optional(.split) {
            guard let parsed = Split(rawValue: value) else {
                throw StageError.badInput(file: file, reason: "row \(row) has split `\(value)`, which is not train, val or test; fix that row or split again")
            }
            split = parsed
        }
        let typed = Set(Column.allCases.map(\.rawValue))
        self.init(path: cells[Column.path.rawValue] ?? "", sha256: cells[Column.sha256.rawValue] ?? "",
                  label: cells[Column.label.rawValue] ?? "", patient: cells[Column.patient.rawValue] ?? "", split: split,
                  source: optional(.source), magnification: optional(.magnification), balance: optional(.balance),
                  extra: cells.filter { !typed.contains($0.key) })
    }

    /// The cell of `column` as the CSV holds it: empty for an unset optional or an unknown column.
    public func value(of column: String) -> String {
        switch Column(rawValue: column) {
        case .path: path
        case .sha256: sha256
        case .label: label
        case .patient: patient
        case .split: split?.rawValue ?? ""
        case .source: source ?? ""
        case .magnification: magnification ?? ""
        case .balance: balance ?? ""
        case nil: extra[column] ?? ""
        }
    }
}
