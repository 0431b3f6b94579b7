import Foundation

/// One abnormality from a CBIS-DDSM case-description CSV.
public struct CBISDDSMCase: Sendable, Equatable {
    /// `P_00001`.
    public var patient: String
    /// `mass` or `calc`.
    public var abnormality: String
    /// The official split: `train` or `test`.
    public var split: String
    /// `LEFT` or `RIGHT`.
    public var laterality: String
    /// `CC` or `MLO`.
    public var view: String
    /// The abnormality number within the image.
    public var abnormalityID: String
    /// The pathology as written: MALIGNANT, BENIGN or BENIGN_WITHOUT_CALLBACK.
    public var pathology: String
    /// BI-RADS assessment, subtlety and breast density as written.
    public var assessment: String, subtlety: String, density: String
    /// The three DICOM paths as written in the CSV (subject/study UID/series UID/file).
    public var imagePath: String, croppedPath: String, maskPath: String
    /// The CSV file (relative to the root) and its line, for messages.
    public var source: String

    /// `malignant` or `benign`; nil for an unknown pathology.
    public var label: String? {
        switch pathology.uppercased() {
        case "MALIGNANT": return "malignant"
        case "BENIGN", "BENIGN_WITHOUT_CALLBACK": return "benign"
        default: return nil
        }
    }

    /// The four CSV names and the (abnormality, split) each holds.
    public static let csvFiles: [(name: String, abnormality: String, split: String)] = [
        ("mass_case_description_train_set.csv", "mass", "train"), ("mass_case_description_test_set.csv", "mass", "test"),
        ("calc_case_description_train_set.csv", "calc", "train"), ("calc_case_description_test_set.csv", "calc", "test"),
    ]

    /// Reads every row of one case-description CSV; `breast_density` and `breast density` headers both work.
    public static func read(_ url: URL, relativePath: String, abnormality: String, split: String) throws(DatasetError) -> [CBISDDSMCase] {
        let table = try CSVTable(contentsOf: url)
        for column in ["patient_id", "pathology", "image file path", "cropped image file path", "ROI mask file path"]
        where table.column(column) == nil {
            throw .malformedCSV(file: url.path, line: 1, detail: "no `\(column)` column")
        }
        return table.rows.enumerated().map { index, row in
            CBISDDSMCase(patient: table.value(row, "patient_id"), abnormality: abnormality, split: split,
                         laterality: table.value(row, "left or right breast"), view: table.value(row, "image view"),
                         abnormalityID: table.value(row, "abnormality id"), pathology: table.value(row, "pathology"),
                         assessment: table.value(row, "assessment"), subtlety: table.value(row, "subtlety"),
                         density: table.value(row, "breast_density"), imagePath: table.value(row, "image file path"),
                         croppedPath: table.value(row, "cropped image file path"), maskPath: table.value(row, "ROI mask file path"),
                         source: "\(relativePath):\(index + 2)")
        }
    }

    /// The subject folder (first component) and series UID (third) of a CSV path.
    static func parts(_ path: String) -> (subject: String, series: String, file: String) {
        let components = path.split(separator: "/").map(String.init)
        return (components.first ?? "", components.count > 2 ? components[2] : "", components.last ?? "")
    }
}
