import Foundation

/// Checks the offsets and sizes a zip archive's end records and central directory declare against the file's length
/// before ZIPFoundation reads them: ZIPFoundation stops the process (an integer conversion trap) on a 64-bit offset
/// past what a file offset can hold, which a crafted or damaged ZIP64 field provides (found by `make fuzz`).
/// It finds the end record as ZIPFoundation does, the last one in the file, and follows the same fields.
enum ZipLayoutCheck {
    private static let endSignature: UInt32 = 0x0605_4b50, zip64LocatorSignature: UInt32 = 0x0706_4b50
    private static let zip64EndSignature: UInt32 = 0x0606_4b50, centralSignature: UInt32 = 0x0201_4b50
    private static let localSignature: UInt32 = 0x0403_4b50

    /// Nil when every offset and size that can be followed lies within the file, else what does not.
    static func problem(in bytes: Data) -> String? {
        bytes.withUnsafeBytes { raw in problem(in: raw) }
    }

    private static func problem(in raw: UnsafeRawBufferPointer) -> String? {
        let size = UInt64(raw.count)
        func u16(_ at: UInt64) -> UInt64? { at + 2 <= size ? UInt64(raw.loadUnaligned(fromByteOffset: Int(at), as: UInt16.self).littleEndian) : nil }
        func u32(_ at: UInt64) -> UInt64? { at + 4 <= size ? UInt64(raw.loadUnaligned(fromByteOffset: Int(at), as: UInt32.self).littleEndian) : nil }
        func u64(_ at: UInt64) -> UInt64? { at + 8 <= size ? raw.loadUnaligned(fromByteOffset: Int(at), as: UInt64.self).littleEndian : nil }
        func beyond(_ what: String, _ value: UInt64) -> String? {
            value <= size ? nil : "its \(what) is \(value), past the end of the \(size)-byte file"
        }
        guard size >= 22 else { return nil }
        var end = size - 22
        while u32(end) != UInt64(endSignature) {
            guard end > 0 else { return nil }  // no end record: ZIPFoundation refuses the file itself
            end -= 1
        }
        var directory = u32(end + 16) ?? 0, entries = u16(end + 10) ?? 0
        // ZIPFoundation reads the ZIP64 end record right before its locator, whatever the locator says.
        if end > 76, u32(end - 20) == UInt64(zip64LocatorSignature), u32(end - 76) == UInt64(zip64EndSignature) {
            directory = u64(end - 76 + 48) ?? 0
            entries = u64(end - 76 + 32) ?? 0
            if let problem = beyond("central directory's offset", directory) { return problem }
        }
        var position = directory, seen: UInt64 = 0
        while seen < entries, u32(position) == UInt64(centralSignature), position + 46 <= size {
            let nameLength = u16(position + 28)!, extraLength = u16(position + 30)!, commentLength = u16(position + 32)!
            var offset = u32(position + 42)!
            let fields = zip64Values(at: position + 46 + nameLength, length: extraLength, u16: u16, u64: u64)
            for value in fields {
                if let problem = beyond("central directory's ZIP64 size or offset of entry \(seen)", value) { return problem }
            }
            if offset == 0xFFFF_FFFF, let last = fields.last { offset = last }
            if let problem = beyond("offset of entry \(seen)'s local header", offset) { return problem }
            if u32(offset) == UInt64(localSignature), let name = u16(offset + 26), let extra = u16(offset + 28) {
                for value in zip64Values(at: offset + 30 + name, length: extra, u16: u16, u64: u64) {
                    if let problem = beyond("local header's ZIP64 size of entry \(seen)", value) { return problem }
                }
            }
            position += 46 + nameLength + extraLength + commentLength
            seen += 1
        }
        return nil
    }

    /// The 64-bit values of the ZIP64 extended-information field (header 0x0001) among the extra fields at `start`.
    private static func zip64Values(at start: UInt64, length: UInt64, u16: (UInt64) -> UInt64?,
                                    u64: (UInt64) -> UInt64?) -> [UInt64] {
        var field = start, values: [UInt64] = []
        while field + 4 <= start + length, let id = u16(field), let fieldLength = u16(field + 2) {
            if id == 1 {
                var value = field + 4
                while value + 8 <= field + 4 + fieldLength, let number = u64(value) {
                    values.append(number)
                    value += 8
                }
            }
            field += 4 + fieldLength
        }
        return values
    }
}
