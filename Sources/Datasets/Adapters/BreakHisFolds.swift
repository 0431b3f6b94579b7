import Foundation

/// The official five-fold protocol of a Kaggle-style `Folds.csv` (`fold,mag,grp,filename`): for each image
/// file name, whether it is `train` or `test` in each fold.
public struct BreakHisFolds: Sendable, Equatable {
    /// File name (last path component) → fold number → `train` or `test`.
    public let assignments: [String: [Int: String]]
    /// The fold numbers present, ascending.
    public let folds: [Int]

    /// Parses `Folds.csv`.
    public init(contentsOf url: URL) throws(DatasetError) {
        let table = try CSVTable(contentsOf: url)
        guard let fold = table.column("fold"), let group = table.column("grp"), let name = table.column("filename") else {
            throw .malformedCSV(file: url.path, line: 1, detail: "expected the header fold,mag,grp,filename")
        }
        var assignments: [String: [Int: String]] = [:]
        for (index, row) in table.rows.enumerated() {
            guard row.count > max(fold, group, name), let number = Int(row[fold]) else {
                throw .malformedCSV(file: url.path, line: index + 2, detail: "expected fold,mag,grp,filename")
            }
            let file = String(row[name].split(separator: "/").last ?? "")
            assignments[file, default: [:]][number] = row[group].lowercased()
        }
        self.assignments = assignments
        self.folds = Set(assignments.values.flatMap(\.keys)).sorted()
    }
}
