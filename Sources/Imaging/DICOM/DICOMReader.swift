import Foundation

/// A cursor over DICOM bytes that yields one top-level data element at a time.
struct DICOMReader {
    let bytes: [UInt8]
    let file: String
    var offset = 0
    /// How many undefined-length sequences and items enclose the cursor.
    var depth = 0
    /// Real files nest sequences a few levels deep; a crafted one nesting thousands would exhaust the stack.
    static let maxDepth = 64

    /// VRs whose explicit length field is 4 bytes, after 2 reserved bytes.
    static let longVRs: Set<String> = ["OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"]

    func peekGroup() -> UInt16 { u16(offset) }

    func u16(_ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }

    func u32(_ at: Int) -> UInt32 {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }

    func truncated(_ what: String) -> ImagingError {
        .corrupt(file: file, format: "DICOM", detail: "truncated \(what) at byte \(offset)")
    }

    /// Reads the next element; undefined-length sequences are skipped and give an empty value.
    mutating func next(explicit: Bool) throws(ImagingError) -> (DICOMTag, Data) {
        guard offset + 8 <= bytes.count else { throw truncated("element header") }
        let tag = DICOMTag(u16(offset), u16(offset + 2))
        var vr = ""
        var length: UInt32
        if explicit {
            vr = String(decoding: bytes[offset + 4 ..< offset + 6], as: UTF8.self)
            if Self.longVRs.contains(vr) {
                guard offset + 12 <= bytes.count else { throw truncated("element header") }
                length = u32(offset + 8); offset += 12
            } else {
                length = UInt32(u16(offset + 6)); offset += 8
            }
        } else {
            vr = DICOMTag.implicitVR[tag] ?? "UN"
            length = u32(offset + 4); offset += 8
        }
        if length == 0xFFFF_FFFF {
            if tag == .pixelData {
                throw .unsupported(file: file, detail: "encapsulated (compressed) pixel data")
            }
            try skipUndefinedLength(explicit: explicit)
            return (tag, Data())
        }
        let end = offset + Int(length)
        guard end <= bytes.count else { throw truncated("value of \(tag) (\(length) bytes)") }
        let value = Data(bytes[offset..<end])
        offset = end
        return (tag, value)
    }

    /// Skips items up to the sequence delimiter (FFFE,E0DD), recursing into nested undefined-length items.
    mutating func skipUndefinedLength(explicit: Bool) throws(ImagingError) {
        guard depth < Self.maxDepth else {
            throw .corrupt(file: file, format: "DICOM", detail: "sequences nested more than \(Self.maxDepth) deep at byte \(offset)")
        }
        depth += 1
        defer { depth -= 1 }
        while true {
            guard offset + 8 <= bytes.count else { throw truncated("sequence") }
            let group = u16(offset), element = u16(offset + 2), length = u32(offset + 4)
            if group == 0xFFFE {
                offset += 8
                if element == 0xE0DD || element == 0xE00D { return }
                if element == 0xE000 {
                    if length == 0xFFFF_FFFF {
                        try skipItem(explicit: explicit)
                    } else {
                        guard offset + Int(length) <= bytes.count else { throw truncated("sequence item") }
                        offset += Int(length)
                    }
                }
                continue
            }
            _ = try next(explicit: explicit)
        }
    }

    /// Skips the elements of an undefined-length item up to its delimiter (FFFE,E00D).
    private mutating func skipItem(explicit: Bool) throws(ImagingError) {
        while true {
            guard offset + 8 <= bytes.count else { throw truncated("sequence item") }
            if u16(offset) == 0xFFFE && u16(offset + 2) == 0xE00D { offset += 8; return }
            _ = try next(explicit: explicit)
        }
    }
}
