import Foundation

/// Reads checkpoints in the format `torch.save` used before PyTorch 1.6 (and still writes with
/// `_use_new_zipfile_serialization=False`): pickles of the magic number, the protocol version (1001), the
/// system information, the state dict and the list of storage keys, then each storage in that order as an
/// 8-byte little-endian element count followed by its raw bytes.
enum PyTorchLegacyFile {
    static func read(_ data: Data, path: String) throws -> [String: WeightArray] {
        func fail(_ reason: String) -> ModelError { .unreadableWeights(path: path, reason: reason) }
        var storages: [String: TorchStorageReference] = [:]
        let (main, ranges) = try data.withUnsafeBytes { bytes in
            func run(_ part: String, from start: Int) throws -> (value: PickleValue, end: Int) {
                let machine = PickleMachine(path: path, part: part, globals: TorchGlobals.self) { id throws(PickleFailure) in
                    let storage = try TorchStorageReference(persistentID: id)
                    storages[storage.key] = storage
                    return .storage(storage)
                }
                return try machine.run(bytes, from: start)
            }
            let magic = try run("the magic number", from: 0)
            let version = try run("the protocol version", from: magic.end)
            guard version.value.intValue == 1001 else {
                throw fail("legacy format version \(version.value.intValue.map(String.init) ?? version.value.kind) is not 1001")
            }
            let info = try run("the system information", from: version.end)
            if case .dict(let entries) = info.value, case .bool(false)? = entries["little_endian"] {
                throw fail("it was written on a big-endian machine; pipe reads little-endian checkpoints only")
            }
            let main = try run("the state dict pickle", from: info.end)
            let keyList = try run("the storage key list", from: main.end)
            let keys = keyList.value.items?.compactMap(\.stringValue) ?? []
            guard let items = keyList.value.items, keys.count == items.count else {
                throw fail("the storage key list is \(keyList.value.kind), not a list of keys")
            }
            var ranges: [String: Range<Int>] = [:]
            var position = keyList.end
            for key in keys {
                guard let storage = storages[key] else { throw fail("storage '\(key)' is listed but no tensor uses it") }
                guard bytes.count - position >= 8 else {
                    throw fail("the file is truncated: it ends before the size of storage '\(key)' at byte \(position)")
                }
                let count = Int(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: Int64.self)))
                guard count == storage.count else {
                    throw fail("storage '\(key)' has \(count) elements in the file but \(storage.count) in the state dict")
                }
                let start = position + 8, length = count * storage.scalarType.byteWidth
                guard bytes.count - start >= length else {
                    throw fail("the file is truncated: storage '\(key)' needs \(length) bytes from byte \(start), "
                               + "but the file has \(bytes.count - start) left")
                }
                ranges[key] = start..<(start + length)
                position = start + length
            }
            return (main.value, ranges)
        }
        let tensors = try TorchStateDict.tensors(of: main, path: path)
        return try TorchStateDict.arrays(tensors, path: path) { storage in
            guard let range = ranges[storage.key] else {
                throw fail("storage '\(storage.key)' is used by a tensor but missing from the storage key list")
            }
            return data.subdata(in: range)
        }
    }
}
