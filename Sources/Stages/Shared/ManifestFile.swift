import Datasets
import Foundation
import PipeEngine

/// A `manifest.csv` as the data stages pass it on: its columns in order, one typed `ManifestEntry` per image.
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
    public var rows: [ManifestEntry]

    public init(columns: [String], rows: [ManifestEntry]) {
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
        if let missing = Self.leading.first(where: { !table.header.contains($0) }) {
            throw StageError.badInput(file: url.path, reason: "the header has no `\(missing)` column; it must hold \(Self.leading.joined(separator: ","))")
        }
        let rows = try table.rows.enumerated().map { index, cells in
            var values = Dictionary(uniqueKeysWithValues: table.header.enumerated().map { ($1, $0 < cells.count ? cells[$0] : "") })
            for column in pathColumns { if let value = values[column] { values[column] = paths.absolute(value) } }
            return try ManifestEntry(cells: values, row: index + 1, file: url.path)
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
                let value = row.value(of: column)
                return Self.pathColumns.contains(column) ? paths.portable(value) : value
            }) + "\n"
        }
        do {
            try Data(text.utf8).write(to: folder.appendingPathComponent(Self.fileName))
        } catch {
            throw StageError.cannotWrite(folder.appendingPathComponent(Self.fileName).path)
        }
    }

    /// Every row's cell of `column`, empty where a row has none.
    public func values(_ column: String) -> [String] { rows.map { $0.value(of: column) } }

    /// The dataset's classes, from its labels; `ClassList` says which one is positive.
    public var classes: ClassList { ClassList(labels: rows.map(\.label)) }

    /// Whether the header holds a typed column (optional ones such as `split` are absent before their stage).
    public func has(_ column: ManifestEntry.Column) -> Bool { columns.contains(column.rawValue) }

    /// Adds a typed column at the end unless it is there.
    public mutating func addColumn(_ column: ManifestEntry.Column) {
        if !has(column) { columns.append(column.rawValue) }
    }
}
