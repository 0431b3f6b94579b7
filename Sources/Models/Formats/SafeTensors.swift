import Foundation
import PipeBase

/// Reads and writes safetensors files: an 8-byte little-endian header length, a JSON header mapping
/// names to `{dtype, shape, data_offsets}` (plus optional string `__metadata__`), then the raw
/// little-endian data.
public enum SafeTensors {
    /// Reads every floating-point tensor of a file as Float32 arrays, with the file's metadata.
    ///
    /// F32, F16, BF16 and F64 are converted; integer tensors (such as PyTorch's `num_batches_tracked`)
    /// are returned converted too, so a caller can decide to ignore them by name.
    public static func read(path: String) throws -> (arrays: [String: WeightArray], metadata: [String: String]) {
        func fail(_ reason: String) -> ModelError { .unreadableWeights(path: path, reason: reason) }
        guard let data = FileManager.default.contents(atPath: path) else { throw fail("no such file or not readable") }
        guard data.count >= 8 else { throw fail("shorter than a safetensors header") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(data.count - 8) else { throw fail("header length \(headerLength) exceeds the file size") }
        let headerEnd = 8 + Int(headerLength)
        guard let header = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<headerEnd)) as? [String: Any] else {
            throw fail("the header is not a JSON object")
        }
        var arrays: [String: WeightArray] = [:], metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                for (key, item) in value as? [String: Any] ?? [:] { metadata[key] = item as? String ?? "\(item)" }
                continue
            }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = (entry["shape"] as? [NSNumber])?.map(\.intValue),
                  let offsets = (entry["data_offsets"] as? [NSNumber])?.map(\.intValue), offsets.count == 2 else {
                throw fail("tensor '\(name)' has no dtype, shape or data_offsets")
            }
            // Every size is checked against the file before any arithmetic on it, so no value can trap or allocate.
            guard offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= data.count - headerEnd else {
                throw fail("tensor '\(name)' lies outside the file (data_offsets \(offsets))")
            }
            let start = headerEnd + offsets[0], end = headerEnd + offsets[1]
            guard let width = elementWidth[dtype] else { throw fail("tensor '\(name)' has unsupported dtype \(dtype)") }
            guard let count = ElementCount.of(shape, limit: data.count) else {
                throw fail("tensor '\(name)' has shape \(shape), which a file of \(data.count) bytes cannot hold")
            }
            guard end - start == count * width else {
                throw fail("tensor '\(name)' holds \(end - start) bytes, expected \(count * width) for \(dtype) \(shape)")
            }
            arrays[name] = WeightArray(shape: shape, values: decode(data, from: start, count: count, dtype: dtype))
        }
        return (arrays, metadata)
    }

    private static let elementWidth: [String: Int] = [
        "F32": 4, "F16": 2, "BF16": 2, "F64": 8, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1,
    ]

    private static func decode(_ data: Data, from start: Int, count: Int, dtype: String) -> [Float] {
        data.withUnsafeBytes { raw -> [Float] in
            let base = raw.baseAddress! + start
            #if _endian(little)
            if dtype == "F32", count > 0 {
                return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                    UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: base, byteCount: count * 4)
                    initialized = count
                }
            }
            #endif
            func load<T: FixedWidthInteger>(_ index: Int, _ type: T.Type) -> T {
                T(littleEndian: (base + index * MemoryLayout<T>.size).loadUnaligned(as: T.self))
            }
            return (0..<count).map { index -> Float in
                switch dtype {
                case "F32": return Float(bitPattern: load(index, UInt32.self))
                case "F16": return Float(Float16(bitPattern: load(index, UInt16.self)))
                case "BF16": return Float(bitPattern: UInt32(load(index, UInt16.self)) << 16)
                case "F64": return Float(Double(bitPattern: load(index, UInt64.self)))
                case "I64": return Float(load(index, Int64.self))
                case "I32": return Float(load(index, Int32.self))
                case "I16": return Float(load(index, Int16.self))
                case "I8": return Float(load(index, Int8.self))
                default: return Float(load(index, UInt8.self))
                }
            }
        }
    }

    /// Writes Float32 tensors, in the given order, with optional string metadata.
    ///
    /// The header's keys are sorted and padded with spaces to a multiple of 8 bytes, as the Python
    /// `safetensors` package writes them.
    public static func write(_ tensors: [(name: String, array: WeightArray)], metadata: [String: String] = [:],
                             to path: String) throws {
        var header: [String: Any] = [:]
        var offset = 0
        for tensor in tensors {
            let bytes = tensor.array.values.count * 4
            header[tensor.name] = ["dtype": "F32", "shape": tensor.array.shape, "data_offsets": [offset, offset + bytes]]
            offset += bytes
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes])
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))
        var output = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { output.append(contentsOf: $0) }
        output.append(json)
        for tensor in tensors {
            #if _endian(little)
            tensor.array.values.withUnsafeBytes { output.append(contentsOf: $0) }
            #else
            for value in tensor.array.values { withUnsafeBytes(of: value.bitPattern.littleEndian) { output.append(contentsOf: $0) } }
            #endif
        }
        do {
            try output.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ModelError.unwritable(path: path, reason: error.localizedDescription)
        }
    }
}
