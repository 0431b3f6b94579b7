import Foundation

/// A bounds-checked cursor over the bytes of an HDF5 snapshot: every read past the end throws.
struct SnapshotReader {
    /// The offset at which a snapshot stopped making sense.
    struct Garbled: Error, Equatable {
        let offset: Int
    }

    let bytes: UnsafeRawBufferPointer
    private(set) var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var remaining: Int { bytes.count - offset }
    var atEnd: Bool { offset == bytes.count }

    func garbled() -> Garbled { Garbled(offset: offset) }

    mutating func skip(_ count: Int) throws(Garbled) -> Int {
        guard count >= 0, count <= remaining else { throw garbled() }
        defer { offset += count }
        return offset
    }

    mutating func u8() throws(Garbled) -> UInt8 {
        bytes[try skip(1)]
    }

    func peek() -> UInt8? { atEnd ? nil : bytes[offset] }

    mutating func u32() throws(Garbled) -> UInt32 {
        bytes.loadUnaligned(fromByteOffset: try skip(4), as: UInt32.self)
    }

    mutating func u64() throws(Garbled) -> UInt64 {
        bytes.loadUnaligned(fromByteOffset: try skip(8), as: UInt64.self)
    }

    /// A count of items that each take at least `itemBytes` bytes: no more than the rest of the snapshot can hold.
    mutating func count(itemBytes: Int) throws(Garbled) -> Int {
        let value = try u64()
        guard value <= UInt64(remaining / itemBytes) else { throw garbled() }
        return Int(value)
    }

    mutating func string() throws(Garbled) -> String {
        let length = Int(try u32())
        let start = try skip(length)
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + length)]), as: UTF8.self)
    }
}
