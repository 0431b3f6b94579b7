/// Why a dataset could not be read or written.
public enum DatasetError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The dataset folder does not exist; the message says where to download it and the layout expected.
    case missingRoot(dataset: String, root: String)
    /// The folder exists but holds nothing this adapter recognises.
    case noImages(dataset: String, root: String, detail: String)
    /// A CSV file is malformed (an unterminated quote) or lacks a column.
    case malformedCSV(file: String, line: Int, detail: String)
    /// An adapter or generator option is out of range.
    case invalidOption(String)
    /// Writing a synthetic dataset failed.
    case writeFailed(file: String, detail: String)

    static let sources: [String: String] = [
        "breakhis": "download BreaKHis_v1 from the Laboratório Visão Robótica e Imagem, UFPR: "
            + "https://web.inf.ufpr.br/vri/databases/breast-cancer-histopathological-database-breakhis/ ; expected layout: "
            + "<root>/BreaKHis_v1/histology_slides/breast/{benign,malignant}/SOB/<subtype>/SOB_<B|M>_<type>_<yy>-<slide>/<mag>X/*.png "
            + "(a Kaggle copy with BreaKHis_v1 nested twice and Folds.csv at the root also works)",
        "cbis-ddsm": "download CBIS-DDSM from The Cancer Imaging Archive: https://www.cancerimagingarchive.net/collection/cbis-ddsm/ ; "
            + "expected: the four case-description CSVs (mass/calc_case_description_train/test_set.csv) and the DICOM tree "
            + "(CBIS-DDSM/<subject>/<study>/<series>/*.dcm, any NBIA layout, metadata.csv optional), "
            + "or the Kaggle JPEG copy (csv/dicom_info.csv and jpeg/<SeriesUID>/*.jpg)",
        "image-folder": "expected layout: <root>/<class>/*.png|jpg|jpeg, one folder per class",
    ]

    public var description: String {
        switch self {
        case let .missingRoot(dataset, root):
            return "\(root): no such folder for dataset \(dataset); \(Self.sources[dataset] ?? "check the path")"
        case let .noImages(dataset, root, detail):
            return "\(root): \(detail) for dataset \(dataset); \(Self.sources[dataset] ?? "check the path")"
        case let .malformedCSV(file, line, detail):
            return "\(file):\(line): \(detail); fix the file or download it again"
        case let .invalidOption(detail):
            return "invalid option: \(detail)"
        case let .writeFailed(file, detail):
            return "\(file): cannot write (\(detail)); check free space and permissions"
        }
    }
}
