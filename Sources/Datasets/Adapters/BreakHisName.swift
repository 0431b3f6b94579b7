/// The parts of a BreakHis image file name such as `SOB_B_A-14-22549AB-40-001.png`.
public struct BreakHisName: Equatable, Sendable {
    /// `true` for a malignant tumour (`M`), `false` for benign (`B`).
    public var malignant: Bool
    /// Tumour subtype code: A, F, PT, TA (benign) or DC, LC, MC, PC (malignant).
    public var subtype: String
    /// Year of the slide, as the two digits in the name.
    public var year: String
    /// The slide id with its letter suffix, e.g. `22549AB`.
    public var slide: String
    /// Magnification factor: 40, 100, 200 or 400.
    public var magnification: Int
    /// Image sequence number within the slide and magnification.
    public var sequence: Int

    static let benignSubtypes: Set<String> = ["A", "F", "PT", "TA"]
    static let malignantSubtypes: Set<String> = ["DC", "LC", "MC", "PC"]

    /// The patient: the numeric part of the slide id, as BreakHis folders with the same number share a patient.
    public var patient: String { String(slide.prefix { $0.isNumber }) }

    /// Parses a file name (with or without a folder and `.png`); nil when it does not follow the BreakHis pattern.
    public init?(fileName: String) {
        var name = Substring(fileName.split(separator: "/").last ?? "")
        if name.lowercased().hasSuffix(".png") { name = name.dropLast(4) }
        let underscore = name.split(separator: "_", omittingEmptySubsequences: false)
        guard underscore.count == 3, underscore[0] == "SOB", underscore[1] == "B" || underscore[1] == "M" else { return nil }
        let dash = underscore[2].split(separator: "-", omittingEmptySubsequences: false)
        guard dash.count == 5 else { return nil }
        let malignant = underscore[1] == "M"
        let subtype = String(dash[0])
        let digit: (Character) -> Bool = { $0.isASCII && $0.isNumber }
        guard (malignant ? Self.malignantSubtypes : Self.benignSubtypes).contains(subtype),
              dash[1].count == 2, dash[1].allSatisfy(digit),
              let first = dash[2].first, digit(first), dash[2].allSatisfy({ digit($0) || ($0.isASCII && $0.isUppercase) }),
              dash[3].allSatisfy(digit), let magnification = Int(dash[3]), [40, 100, 200, 400].contains(magnification),
              !dash[4].isEmpty, dash[4].allSatisfy(digit), let sequence = Int(dash[4])
        else { return nil }
        self.malignant = malignant
        self.subtype = subtype
        self.year = String(dash[1])
        self.slide = String(dash[2])
        self.magnification = magnification
        self.sequence = sequence
    }
}

extension BreakHisName {
    /// Subtype codes and the folder names BreakHis files them under.
    public static let subtypeFolders: [String: String] = [
        "A": "adenosis", "F": "fibroadenoma", "PT": "phyllodes_tumor", "TA": "tubular_adenoma",
        "DC": "ductal_carcinoma", "LC": "lobular_carcinoma", "MC": "mucinous_carcinoma", "PC": "papillary_carcinoma",
    ]

    /// Builds a name from its parts (the inverse of `init?(fileName:)`).
    public init(malignant: Bool, subtype: String, year: String, slide: String, magnification: Int, sequence: Int) {
        self.malignant = malignant; self.subtype = subtype; self.year = year
        self.slide = slide; self.magnification = magnification; self.sequence = sequence
    }

    /// `benign` or `malignant`.
    public var tumorClass: String { malignant ? "malignant" : "benign" }

    /// The long subtype name used for folders, e.g. `ductal_carcinoma`.
    public var subtypeName: String { Self.subtypeFolders[subtype] ?? subtype.lowercased() }

    /// The file name, e.g. `SOB_B_A-14-22549AB-40-001.png`.
    public var fileName: String {
        let number = String(sequence)
        let padded = String(repeating: "0", count: max(0, 3 - number.count)) + number
        return "SOB_\(malignant ? "M" : "B")_\(subtype)-\(year)-\(slide)-\(magnification)-\(padded).png"
    }

    /// The folder of the file below `BreaKHis_v1/`, e.g.
    /// `histology_slides/breast/benign/SOB/adenosis/SOB_B_A_14-22549AB/40X`.
    public var directory: String {
        "histology_slides/breast/\(tumorClass)/SOB/\(subtypeName)/SOB_\(malignant ? "M" : "B")_\(subtype)_\(year)-\(slide)/\(magnification)X"
    }
}
