import Datasets
import Foundation
import PipeEngine

/// A `manifest.csv` as the data stages pass it on: named columns, one row per image.
///
/// The first columns are always `path,sha256,label,patient`. In memory `path` is absolute, so any later stage
/// can read the image without knowing where the dataset came from; on disk the path columns are portable
/// (relative to the pipeline file's folder, or `store:` and relative to the store, see `PortablePaths`), so
/// a moved checkout keeps its results' hashes and still finds the images.
public struct ManifestFile: Sendable, Equatable {
    public static let fileName = "manifest.csv"
    public static let leading = ["path", "sha256", "label", "patient"]
    /// The columns holding file paths.
    public static let pathColumns = ["path", "source"]

    public var columns: [String]
    public var rows: [[String: String]]

    public init(columns: [String], rows: [[String: String]]) {
        self.columns = columns
        self.rows = rows
    }

    /// Reads `folder/manifest.csv`, resolving its path columns with `paths`.
    public static func read(from folder: URL, paths: PortablePaths) throws -> ManifestFile {
        let url = folder.appendingPathComponent(fileName)
        let table: CSVTable
        do {
            table = try CSVTable(contentsOf: url)
        } catch {
            throw StageError.badInput(file: url.path, reason: "\(error)")
        }
        guard Self.leading.allSatisfy(table.header.contains) else {
            throw StageError.badInput(file: url.path, reason: "the header must hold \(Self.leading.joined(separator: ","))")
        }
        let rows = table.rows.map { cells in
            var row = Dictionary(uniqueKeysWithValues: table.header.enumerated().map { ($1, $0 < cells.count ? cells[$0] : "") })
            for column in pathColumns { if let value = row[column] { row[column] = paths.absolute(value) } }
            return row
        }
        return ManifestFile(columns: table.header, rows: rows)
    }

    /// The manifest of the one stage in `needs` that produced `kind` (`.datasetManifest` or `.splitManifest`),
    /// with the folder it came from; an error naming the stages when none or several did.
    public static func input(_ kind: ArtifactKind, of context: StageContext) throws -> (manifest: ManifestFile, folder: URL) {
        let upstream = try context.input(kind)
        return (try read(from: upstream.folder, paths: context.pipeline.paths), upstream.folder)
    }

    /// Writes `folder/manifest.csv`, with its path columns in the portable form of `paths`.
    public func write(to folder: URL, paths: PortablePaths) throws {
        var text = CSVTable.line(columns) + "\n"
        for row in rows {
            text += CSVTable.line(columns.map { column in
                let value = row[column] ?? ""
                return Self.pathColumns.contains(column) ? paths.portable(value) : value
            }) + "\n"
        }
        do {
            try Data(text.utf8).write(to: folder.appendingPathComponent(Self.fileName))
        } catch {
            throw StageError.cannotWrite(folder.appendingPathComponent(Self.fileName).path)
        }
    }

    public func values(_ column: String) -> [String] { rows.map { $0[column] ?? "" } }

    /// The dataset's classes, from its labels; `ClassList` says which one is positive.
    public var classes: ClassList { ClassList(labels: values("label")) }

    /// Adds a column at the end unless it is there.
    public mutating func addColumn(_ name: String) {
        if !columns.contains(name) { columns.append(name) }
    }
}
