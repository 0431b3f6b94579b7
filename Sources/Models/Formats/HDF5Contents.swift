import Foundation
import PipeBase

/// The objects of an HDF5 file as the snapshot child wrote them (the layout is in `hdf5_snapshot.h`): each group,
/// dataset or other object reachable by hard links, by path, with its attributes.
struct HDF5Contents {
    enum Attribute: Equatable {
        case strings([String])
        case notString
        case tooManyValues(Int64)
        case tooManyBytes(count: UInt64, width: UInt64)
        case unreadable
        /// An attribute whose values the snapshot left out (not among the names asked for).
        case notRead
    }

    enum Dataset: Equatable {
        /// The values are `shape`'s element count of float32s at `offset` in the snapshot.
        case floats(shape: [Int], offset: Int)
        case notFloats
        case tooLarge(dims: [UInt64])
        case damaged(dims: [UInt64], stored: UInt64, needed: UInt64)
        case unreadable
        /// Floats whose values the snapshot left out (`HDF5_SNAPSHOT_NO_VALUES`).
        case notRead(shape: [Int])
    }

    enum Body: Equatable {
        /// Every link's name in name order (soft and external links too, which the child does not follow);
        /// `complete` is false when libhdf5 failed to list them all.
        case group(members: [String], complete: Bool)
        case dataset(Dataset)
        case other
    }

    struct Object: Equatable {
        var attributes: [String: Attribute] = [:]
        var body: Body
        var memberSet: Set<String> = []
    }

    /// Objects by path without leading or trailing slashes; the root is "".
    let objects: [String: Object]
    /// Whether the child stopped walking at its depth or object limit.
    let truncated: Bool
    private let bytes: Data

    /// Parses `bytes`; anything but a complete, well-formed snapshot throws `SnapshotReader.Garbled`.
    init(_ bytes: Data) throws {
        self.bytes = bytes
        (objects, truncated) = try bytes.withUnsafeBytes { try Self.parse($0) }
    }

    /// `path` as a key of `objects`: "/", "a/b/" and "/a//b" become "", "a/b" and "a/b".
    static func key(_ path: String) -> String {
        path.split(separator: "/").joined(separator: "/")
    }

    /// The float32 values of a dataset whose snapshot put `count` of them at `offset`.
    func floats(at offset: Int, count: Int) -> [Float] {
        bytes.withUnsafeBytes { raw in
            [Float](unsafeUninitializedCapacity: count) { buffer, initialised in
                if count > 0 {
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + count * 4)]))
                }
                initialised = count
            }
        }
    }

    private static func parse(_ raw: UnsafeRawBufferPointer) throws(SnapshotReader.Garbled)
        -> (objects: [String: Object], truncated: Bool) {
        var reader = SnapshotReader(raw)
        let magic = try reader.skip(8)
        guard raw[magic..<(magic + 8)].elementsEqual("PH5SNAP1".utf8) else { throw SnapshotReader.Garbled(offset: 0) }
        var objects: [String: Object] = [:]
        while true {
            switch try reader.u8() {
            case UInt8(ascii: "E"):
                let limits = try reader.u8()
                guard reader.atEnd, limits <= 3 else { throw reader.garbled() }
                return (objects, limits != 0)
            case UInt8(ascii: "O"):
                let path = try reader.string()
                objects[path] = try object(&reader)
            default:
                throw reader.garbled()
            }
        }
    }

    private static func object(_ reader: inout SnapshotReader) throws(SnapshotReader.Garbled) -> Object {
        let kind = try reader.u8()
        var attributes: [String: Attribute] = [:]
        while reader.peek() == UInt8(ascii: "A") {
            _ = try reader.u8()
            let name = try reader.string()
            attributes[name] = try attribute(&reader)
        }
        switch kind {
        case 0:
            guard try reader.u8() == UInt8(ascii: "M") else { throw reader.garbled() }
            let complete = try reader.u8()
            guard complete <= 1 else { throw reader.garbled() }
            let count = try reader.count(itemBytes: 4)
            var members: [String] = []
            members.reserveCapacity(count)
            for _ in 0..<count { members.append(try reader.string()) }
            return Object(attributes: attributes, body: .group(members: members, complete: complete == 1), memberSet: Set(members))
        case 1:
            guard try reader.u8() == UInt8(ascii: "D") else { throw reader.garbled() }
            return Object(attributes: attributes, body: .dataset(try dataset(&reader)))
        case 2:
            return Object(attributes: attributes, body: .other)
        default:
            throw reader.garbled()
        }
    }

    private static func attribute(_ reader: inout SnapshotReader) throws(SnapshotReader.Garbled) -> Attribute {
        switch try reader.u8() {
        case 0:
            let count = try reader.count(itemBytes: 4)
            var strings: [String] = []
            strings.reserveCapacity(count)
            for _ in 0..<count { strings.append(try reader.string()) }
            return .strings(strings)
        case 1: return .notString
        case 2: return .tooManyValues(Int64(bitPattern: try reader.u64()))
        case 3: return .tooManyBytes(count: try reader.u64(), width: try reader.u64())
        case 4: return .unreadable
        case 5: return .notRead
        default: throw reader.garbled()
        }
    }

    private static func dataset(_ reader: inout SnapshotReader) throws(SnapshotReader.Garbled) -> Dataset {
        let status = try reader.u8()
        let rank = Int(try reader.u32())
        guard rank <= 32 else { throw reader.garbled() }
        var dims: [UInt64] = []
        for _ in 0..<rank { dims.append(try reader.u64()) }
        switch status {
        case 0, 5:
            let shape = dims.compactMap { Int(exactly: $0) }
            guard shape.count == rank, let count = ElementCount.of(shape, limit: status == 0 ? reader.remaining / 4 : Int.max) else {
                throw reader.garbled()
            }
            return status == 0 ? .floats(shape: shape, offset: try reader.skip(count * 4)) : .notRead(shape: shape)
        case 1: return .notFloats
        case 2: return .tooLarge(dims: dims)
        case 3: return .damaged(dims: dims, stored: try reader.u64(), needed: try reader.u64())
        case 4: return .unreadable
        default: throw reader.garbled()
        }
    }
}
