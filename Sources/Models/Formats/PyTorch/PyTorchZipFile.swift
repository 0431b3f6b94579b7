import Foundation
import ZIPFoundation

/// Reads the zip checkpoints `torch.save` writes since PyTorch 1.6: a folder holding `data.pkl` (the pickled
/// state dict), `data/<key>` (each storage's raw little-endian bytes), `byteorder` and `version`.
enum PyTorchZipFile {
    /// A state dict's pickle names its tensors and their storages: a few MB for the largest models.
    static let maxPickleBytes = 256 << 20

    private struct EntryTooLarge: Error {}

    static func read(path: String) throws -> [String: WeightArray] {
        func fail(_ reason: String) -> ModelError { .unreadableWeights(path: path, reason: reason) }
        let url = URL(fileURLWithPath: path)
        if let mapped = try? Data(contentsOf: url, options: .alwaysMapped), let problem = ZipLayoutCheck.problem(in: mapped) {
            throw fail("the zip archive is damaged or crafted: \(problem); download or save it again")
        }
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw fail("the zip archive is truncated or damaged (\(error)); download or save it again")
        }
        /// The entry's bytes, refused once they pass `limit`: a zip bomb stops at the limit, not at the memory's end.
        func contents(_ entry: Entry, limit: Int) throws -> Data {
            guard entry.uncompressedSize <= UInt64(limit) else {
                throw fail("\(entry.path) declares \(entry.uncompressedSize) bytes, more than the \(limit) it can hold; the file was altered or is not a checkpoint")
            }
            var data = Data(capacity: Int(entry.uncompressedSize))
            do {
                _ = try archive.extract(entry, bufferSize: 1 << 20) { chunk in
                    guard data.count + chunk.count <= limit else { throw EntryTooLarge() }
                    data.append(chunk)
                }
            } catch is EntryTooLarge {
                throw fail("\(entry.path) inflates to more than \(limit) bytes (a zip bomb, or a damaged file); pipe refuses it")
            } catch Archive.ArchiveError.invalidCRC32 {
                throw fail("\(entry.path) fails its CRC-32 check: the file is damaged; download or save it again")
            } catch {
                throw fail("\(entry.path) cannot be read (\(error)): the file is truncated or damaged")
            }
            return data
        }
        let paths = Set(archive.map(\.path))
        // Nothing is extracted to disk, but an entry naming a place outside the archive marks a crafted file.
        if let escaping = paths.sorted().first(where: { $0.hasPrefix("/") || $0.split(separator: "/").contains("..") }) {
            throw fail("the zip archive holds the entry `\(escaping)`, whose path leaves the archive; torch.save never writes one, so the file was altered or is not a checkpoint: pipe refuses it")
        }
        guard let picklePath = paths.filter({ $0.hasSuffix("/data.pkl") && $0.split(separator: "/").count == 2 }).min(),
              let pickle = archive[picklePath] else {
            if paths.contains("model.weights.h5") {
                throw fail("a Keras .keras archive, not a PyTorch checkpoint; unzip its model.weights.h5 and load that")
            }
            throw fail("not a PyTorch checkpoint: the zip archive has no <name>/data.pkl")
        }
        let prefix = String(picklePath.dropLast("data.pkl".count))
        if paths.contains(prefix + "constants.pkl") {
            throw fail("a TorchScript module (torch.jit.save), not a state dict; save model.state_dict() with torch.save")
        }
        if let order = archive[prefix + "byteorder"], String(decoding: try contents(order, limit: 16), as: UTF8.self) != "little" {
            throw fail("its tensors are stored big-endian; pipe reads little-endian checkpoints only")
        }
        let machine = PickleMachine(path: path, part: picklePath, globals: TorchGlobals.self) { id throws(PickleFailure) in
            .storage(try TorchStorageReference(persistentID: id))
        }
        let value = try contents(pickle, limit: maxPickleBytes).withUnsafeBytes { try machine.run($0).value }
        let tensors = try TorchStateDict.tensors(of: value, path: path)
        return try TorchStateDict.arrays(tensors, path: path) { storage in
            guard let entry = archive[prefix + "data/" + storage.key] else {
                throw fail("the record \(prefix)data/\(storage.key) is missing: the file is truncated or damaged")
            }
            // torch.save writes each storage as exactly its elements' bytes.
            let (bytes, overflow) = storage.count.multipliedReportingOverflow(by: storage.scalarType.byteWidth)
            guard storage.count >= 0, !overflow else { throw fail("storage '\(storage.key)' claims \(storage.count) elements") }
            return try contents(entry, limit: bytes)
        }
    }
}
