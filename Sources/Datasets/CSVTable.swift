import Foundation

/// A CSV file read per RFC 4180 (quoted fields, doubled quotes, embedded commas and newlines, CRLF or LF),
/// with every cell stripped of surrounding whitespace.
public struct CSVTable: Sendable, Equatable {
    /// The first record, stripped.
    public let header: [String]
    /// The other records; blank lines are dropped.
    public let rows: [[String]]

    /// Parses CSV text; `file` names it in errors.
    public init(text: String, file: String) throws(DatasetError) {
        var records = try Self.records(text, file: file)
        records.removeAll { $0.count == 1 && $0[0].isEmpty }
        header = records.first ?? []
        rows = Array(records.dropFirst())
    }

    /// Reads and parses a CSV file (UTF-8, a byte-order mark is ignored).
    public init(contentsOf url: URL) throws(DatasetError) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .malformedCSV(file: url.path, line: 0, detail: "cannot read (\(error.localizedDescription))")
        }
        try self.init(text: String(decoding: data, as: UTF8.self), file: url.path)
    }

    /// Splits text into records of stripped fields.
    static func records(_ text: String, file: String) throws(DatasetError) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field: [UInt8] = []
        var quoted = false, line = 1, quoteLine = 0
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        func endField() {
            record.append(String(decoding: field, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
            field.removeAll(keepingCapacity: true)
        }
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if quoted {
                if b == UInt8(ascii: "\"") {
                    if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\"") { field.append(b); i += 1 } else { quoted = false }
                } else {
                    if b == UInt8(ascii: "\n") { line += 1 }
                    field.append(b)
                }
            } else if b == UInt8(ascii: "\"") {
                quoted = true; quoteLine = line
            } else if b == UInt8(ascii: ",") {
                endField()
            } else if b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r") {
                if b == UInt8(ascii: "\r"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\n") { i += 1 }
                endField(); records.append(record); record = []; line += 1
            } else {
                field.append(b)
            }
            i += 1
        }
        if quoted { throw .malformedCSV(file: file, line: quoteLine, detail: "a quoted field is never closed") }
        if !field.isEmpty || !record.isEmpty { endField(); records.append(record) }
        return records
    }

    /// A header name normalised for matching: lowercase, with spaces, dashes and underscores removed,
    /// so that `breast_density` and `breast density` are the same column.
    public static func key(_ name: String) -> String {
        String(name.lowercased().unicodeScalars.filter { !" _-".unicodeScalars.contains($0) }.map(Character.init))
    }

    /// The index of a column by normalised name, or nil.
    public func column(_ name: String) -> Int? {
        let wanted = Self.key(name)
        return header.firstIndex { Self.key($0) == wanted }
    }

    /// The cell of `row` in the named column; empty when the column or cell is missing.
    public func value(_ row: [String], _ name: String) -> String {
        guard let index = column(name), index < row.count else { return "" }
        return row[index]
    }

    /// One CSV line for `fields`, quoting those that need it (RFC 4180).
    public static func line(_ fields: [String]) -> String {
        fields.map { field in
            field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
        }.joined(separator: ",")
    }
}
