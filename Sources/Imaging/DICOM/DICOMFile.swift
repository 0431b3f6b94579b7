import Foundation

/// The top-level data elements of a DICOM Part 10 file (or a bare dataset), read without third-party code.
///
/// Supports Explicit and Implicit VR Little Endian; sequences are skipped, not interpreted.
public struct DICOMFile: Sendable {
    /// Explicit VR Little Endian.
    public static let explicitLittle = "1.2.840.10008.1.2.1"
    /// Implicit VR Little Endian (the DICOM default).
    public static let implicitLittle = "1.2.840.10008.1.2"

    /// The file name used in error messages.
    public let file: String
    /// Transfer Syntax UID from the file meta information (Implicit VR LE when there is none).
    public let transferSyntax: String
    /// Raw values of the top-level elements (pixel data included), by tag.
    public let elements: [DICOMTag: Data]

    /// Whether `data` looks like a DICOM Part 10 file (`DICM` after the 128-byte preamble).
    public static func isDICOM(_ data: Data) -> Bool {
        data.count >= 132 && data[data.startIndex + 128 ..< data.startIndex + 132].elementsEqual("DICM".utf8)
    }

    /// Parses the file; compressed or big-endian transfer syntaxes throw `unsupportedTransferSyntax`.
    public init(data: Data, file: String) throws(ImagingError) {
        self.file = file
        let bytes = [UInt8](data)
        var reader = DICOMReader(bytes: bytes, file: file)
        var elements: [DICOMTag: Data] = [:]
        var syntax = Self.implicitLittle
        if Self.isDICOM(data) {
            reader.offset = 132
            while reader.offset + 6 <= bytes.count, reader.peekGroup() == 0x0002 {
                let (tag, value) = try reader.next(explicit: true)
                elements[tag] = value
            }
            if let uid = elements[.transferSyntax] { syntax = Self.text(uid) }
        } else if bytes.count >= 8, bytes[4...5].allSatisfy({ (0x41...0x5A).contains($0) }) {
            // A bare dataset with no meta information whose first element carries a VR is Explicit VR.
            syntax = Self.explicitLittle
        }
        guard syntax == Self.explicitLittle || syntax == Self.implicitLittle else {
            throw .unsupportedTransferSyntax(file: file, uid: syntax)
        }
        let explicit = syntax == Self.explicitLittle
        while reader.offset < bytes.count {
            if bytes.count - reader.offset < 8 {
                if bytes[reader.offset...].allSatisfy({ $0 == 0 }) { break }
                throw .corrupt(file: file, format: "DICOM", detail: "\(bytes.count - reader.offset) stray bytes at the end")
            }
            let (tag, value) = try reader.next(explicit: explicit)
            elements[tag] = value
        }
        self.transferSyntax = syntax
        self.elements = elements
    }

    /// Reads and parses a file.
    public init(contentsOf url: URL) throws(ImagingError) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw .unreadable(file: url.path, reason: error.localizedDescription) }
        try self.init(data: data, file: url.path)
    }

    /// An element's text value with trailing spaces and NULs removed; nil when absent.
    public func string(_ tag: DICOMTag) -> String? { elements[tag].map(Self.text) }

    /// The values of a multi-valued decimal/integer string (`DS`, `IS`), split at backslashes.
    public func numbers(_ tag: DICOMTag) -> [Double] {
        (string(tag) ?? "").split(separator: "\\").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// An unsigned short (`US`) value.
    public func uint16(_ tag: DICOMTag) -> Int? {
        guard let data = elements[tag], data.count >= 2 else { return nil }
        return Int(data[data.startIndex]) | Int(data[data.startIndex + 1]) << 8
    }

    static func text(_ data: Data) -> String {
        String(decoding: data, as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: " \0"))
    }
}
