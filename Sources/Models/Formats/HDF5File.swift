import CHDF5
import Foundation
import PipeBase

/// A read-only HDF5 file opened through the HDF5 C library, with just what Keras weight files need:
/// string-array attributes, group listings and float datasets.
///
/// Debian's serial HDF5 is not thread-safe, so files are only used inside `read(path:_:)`, which
/// serialises all HDF5 calls of the process.
final class HDF5File {
    private static let lock = NSLock()
    let path: String
    private let file: hid_t
    private var isOpen = true
    /// The most bytes a dataset or attribute of this file may expand to: as much as gzip could inflate the whole
    /// file (about 1,030×), with a floor for small files; sizes beyond it are refused before allocating.
    private let expansionLimit: Int

    /// Opens `path`, runs `body` with it and closes it, holding the process-wide HDF5 lock throughout.
    static func read<T>(path: String, _ body: (HDF5File) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        let file = try HDF5File(path: path)
        defer { file.close() }
        return try body(file)
    }

    private init(path: String) throws {
        chdf5_silence_errors()
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else {
            throw ModelError.unreadableWeights(path: path, reason: "no such file")
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        expansionLimit = max(256 << 20, bytes.multipliedReportingOverflow(by: 1100).overflow ? Int.max : bytes * 1100)
        let id = H5Fopen(path, chdf5_acc_rdonly(), chdf5_default())
        guard id >= 0 else { throw ModelError.unreadableWeights(path: path, reason: "not a readable HDF5 file") }
        file = id
    }

    private func close() {
        if isOpen { H5Fclose(file) }
        isOpen = false
    }

    deinit { close() }

    private func fail(_ reason: String) -> ModelError { .unreadableWeights(path: path, reason: reason) }

    /// Whether every component of the slash-separated `path` exists.
    func exists(_ path: String) -> Bool {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += prefix.isEmpty ? String(component) : "/\(component)"
            guard H5Lexists(file, prefix, chdf5_default()) > 0 else { return false }
        }
        return true
    }

    /// Whether the object at `object` (a group or dataset path; "/" for the root) has attribute `name`.
    func hasAttribute(_ name: String, of object: String = "/") -> Bool {
        let id = H5Oopen(file, object, chdf5_default())
        guard id >= 0 else { return false }
        defer { H5Oclose(id) }
        return H5Aexists(id, name) > 0
    }

    /// The strings of a string (or string-array) attribute, fixed-length or variable-length.
    func stringsAttribute(_ name: String, of object: String = "/") throws -> [String] {
        let owner = H5Oopen(file, object, chdf5_default())
        guard owner >= 0 else { throw fail("no object '\(object)'") }
        defer { H5Oclose(owner) }
        let attribute = H5Aopen(owner, name, chdf5_default())
        guard attribute >= 0 else { throw fail("'\(object)' has no attribute '\(name)'") }
        defer { H5Aclose(attribute) }
        let type = H5Aget_type(attribute), space = H5Aget_space(attribute)
        defer { H5Tclose(type); H5Sclose(space) }
        let points = H5Sget_simple_extent_npoints(space)
        guard points >= 0, points <= expansionLimit else { throw fail("attribute '\(name)' of '\(object)' claims \(points) values, more than the file can hold") }
        let count = Int(points)
        // h5py stores an empty list (a layer without weights) as an empty float array.
        guard count > 0 else { return [] }
        guard H5Tget_class(type) == H5T_STRING else { throw fail("attribute '\(name)' of '\(object)' is not a string") }
        let memoryType = H5Tcopy(chdf5_c_s1())
        defer { H5Tclose(memoryType) }
        if H5Tis_variable_str(type) > 0 {
            H5Tset_size(memoryType, chdf5_variable_size())
            H5Tset_cset(memoryType, H5Tget_cset(type))
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            guard H5Aread(attribute, memoryType, &pointers) >= 0 else { throw fail("cannot read attribute '\(name)'") }
            defer { for pointer in pointers where pointer != nil { H5free_memory(pointer) } }
            return pointers.map { $0.map { String(cString: $0) } ?? "" }
        }
        // One byte more than the file's width, so a string filling its width (NULLPAD, as h5py writes
        // numpy `S` arrays) keeps its last character when HDF5 adds the terminator.
        let size = H5Tget_size(type) + 1
        guard ElementCount.of([count, size], limit: expansionLimit) != nil else {
            throw fail("attribute '\(name)' of '\(object)' claims \(count) strings of \(size - 1) bytes, more than the file can hold")
        }
        H5Tset_size(memoryType, size)
        var bytes = [UInt8](repeating: 0, count: count * size)
        guard H5Aread(attribute, memoryType, &bytes) >= 0 else { throw fail("cannot read attribute '\(name)'") }
        return (0..<count).map { index in
            let slice = bytes[(index * size)..<((index + 1) * size)].prefix { $0 != 0 }
            return String(decoding: slice, as: UTF8.self)
        }
    }

    /// The names of a group's members in name order.
    func members(of group: String) throws -> [String] {
        let id = H5Gopen2(file, group, chdf5_default())
        guard id >= 0 else { throw fail("no group '\(group)'") }
        defer { H5Gclose(id) }
        var info = H5G_info_t()
        guard H5Gget_info(id, &info) >= 0 else { throw fail("cannot list group '\(group)'") }
        return (0..<info.nlinks).map { index in
            let length = H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, chdf5_default())
            guard length > 0 else { return "" }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, chdf5_default())
            return String(cString: buffer)
        }
    }

    /// A float dataset's shape and values (converted to Float32 by HDF5 from any float type).
    func floats(_ path: String) throws -> WeightArray {
        let dataset = H5Dopen2(file, path, chdf5_default())
        guard dataset >= 0 else { throw fail("no dataset '\(path)'") }
        defer { H5Dclose(dataset) }
        let space = H5Dget_space(dataset), type = H5Dget_type(dataset)
        defer { H5Sclose(space); H5Tclose(type) }
        guard H5Tget_class(type) == H5T_FLOAT else { throw fail("dataset '\(path)' does not hold floats") }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        var dims = [hsize_t](repeating: 0, count: max(rank, 1))
        H5Sget_simple_extent_dims(space, &dims, nil)
        let shape = dims.prefix(rank).map { Int(exactly: $0) ?? -1 }
        guard rank >= 0, let count = ElementCount.of(shape, limit: expansionLimit / 4) else {
            throw fail("dataset '\(path)' claims shape \(dims.prefix(rank).map { $0 }), more values than the file can hold")
        }
        // HDF5 1.10 copies compact data from a null buffer (a crash) when a damaged header records less data than
        // the shape needs; contiguous data shorter than its shape is a truncated file.
        let properties = H5Dget_create_plist(dataset)
        let layout = H5Pget_layout(properties)
        H5Pclose(properties)
        let stored = H5Dget_storage_size(dataset), needed = UInt64(count) * UInt64(H5Tget_size(type))
        if (layout == H5D_COMPACT && stored < needed) || (layout == H5D_CONTIGUOUS && stored != 0 && stored < needed) {
            throw fail("dataset '\(path)' stores \(stored) bytes, but its shape \(shape) needs \(needed): the file is damaged")
        }
        var values = [Float](repeating: 0, count: count)
        let status = values.withUnsafeMutableBytes {
            H5Dread(dataset, chdf5_native_float(), chdf5_all(), chdf5_all(), chdf5_default(), $0.baseAddress)
        }
        guard status >= 0 else { throw fail("cannot read dataset '\(path)'") }
        return WeightArray(shape: shape, values: values)
    }
}
