import Foundation

/// Finds the image files of a CBIS-DDSM CSV path in any download layout: the TCIA trees (classic UID folders,
/// descriptive `1-full mammogram images-NNN` folders, current `manifest-*/CBIS-DDSM/...` with `metadata.csv`), all of
/// which keep the subject folder (`Mass-Training_P_00001_LEFT_CC`), or the Kaggle JPEG copy (`jpeg/<SeriesUID>/`).
struct CBISDDSMImageIndex {
    /// Image files (relative paths) below each subject folder.
    var bySubject: [String: [String]] = [:]
    /// Image files of each folder named by a series UID, or located by `metadata.csv`.
    var bySeries: [String: [String]] = [:]

    static let imageExtensions: Set<String> = ["dcm", "dicom", "jpg", "jpeg", "png"]

    /// Indexes `files` (relative to `root`), reading any `metadata.csv` among them.
    init(files: [String], root: URL) throws(DatasetError) {
        var byFolder: [String: [String]] = [:]
        for path in files where Self.imageExtensions.contains(DatasetFiles.ext(path)) {
            let components = path.split(separator: "/").map(String.init)
            let folder = components.dropLast().joined(separator: "/")
            byFolder[folder, default: []].append(path)
            if let subject = components.dropLast().last(where: Self.isSubject) { bySubject[subject, default: []].append(path) }
            if let parent = components.dropLast().last, Self.isUID(parent) { bySeries[parent, default: []].append(path) }
        }
        for path in files where path.split(separator: "/").last?.lowercased() == "metadata.csv" {
            let base = path.split(separator: "/").dropLast().joined(separator: "/")
            let table = try CSVTable(contentsOf: root.appendingPathComponent(path))
            guard table.column("Series UID") != nil, table.column("File Location") != nil else { continue }
            for row in table.rows {
                var location = table.value(row, "File Location").replacingOccurrences(of: "\\", with: "/")
                if location.hasPrefix("./") { location.removeFirst(2) }
                let folder = base.isEmpty ? location : base + "/" + location
                if let images = byFolder[folder] { bySeries[table.value(row, "Series UID"), default: []] += images }
            }
        }
        try indexKaggleInfo(files: files, root: root)
        bySubject = bySubject.mapValues { Array(Set($0)).sorted() }
        bySeries = bySeries.mapValues { Array(Set($0)).sorted() }
    }

    /// Kaggle's `dicom_info.csv` names each JPEG's subject (`PatientID`) and path (`image_path`, `CBIS-DDSM/jpeg/...`).
    private mutating func indexKaggleInfo(files: [String], root: URL) throws(DatasetError) {
        guard let info = files.first(where: { $0.split(separator: "/").last?.lowercased() == "dicom_info.csv" }) else { return }
        let table = try CSVTable(contentsOf: root.appendingPathComponent(info))
        guard table.column("PatientID") != nil, table.column("image_path") != nil else { return }
        var byTail: [String: String] = [:]
        for file in files {
            let parts = file.split(separator: "/")
            if parts.count >= 3 { byTail[parts.suffix(3).joined(separator: "/")] = file }
        }
        for row in table.rows {
            let subject = table.value(row, "PatientID")
            let tail = table.value(row, "image_path").split(separator: "/").suffix(3).joined(separator: "/")
            if Self.isSubject(subject), let file = byTail[tail] { bySubject[subject, default: []].append(file) }
        }
    }

    /// Whether a folder name is a CBIS-DDSM subject, e.g. `Calc-Test_P_00038_LEFT_CC_1`.
    static func isSubject(_ name: String) -> Bool {
        (name.hasPrefix("Mass-") || name.hasPrefix("Calc-")) && name.contains("_P_")
    }

    static func isUID(_ name: String) -> Bool {
        name.count >= 8 && name.contains(".") && name.allSatisfy { $0 == "." || ($0.isASCII && $0.isNumber) }
    }

    /// The image files that may hold the image of a CSV path: its subject folder's, else its series folder's.
    func candidates(for csvPath: String) -> [String] {
        let parts = CBISDDSMCase.parts(csvPath)
        if let files = bySubject[parts.subject], !files.isEmpty {
            let inSeries = files.filter { $0.split(separator: "/").contains { String($0) == parts.series } }
            return inSeries.isEmpty ? files : inSeries
        }
        return bySeries[parts.series] ?? []
    }

    /// All image files of the subject folders or series of several CSV paths (crop and mask), deduplicated.
    func roiCandidates(for csvPaths: [String]) -> [String] {
        var seen = Set<String>(), result: [String] = []
        for path in csvPaths {
            let parts = CBISDDSMCase.parts(path)
            let files = bySubject[parts.subject] ?? bySeries[parts.series] ?? []
            for file in files where seen.insert(file).inserted { result.append(file) }
        }
        return result
    }
}
