/// A tensor as a checkpoint's pickle describes it: a window (offset, sizes, strides, in elements) onto a
/// storage whose bytes are read separately.
struct TorchTensorReference {
    var storage: TorchStorageReference
    var offset: Int
    var shape: [Int]
    var strides: [Int]

    /// Why the window does not fit its storage, or nil when it does.
    var problem: String? {
        guard shape.count == strides.count else { return "has \(shape.count) sizes but \(strides.count) strides" }
        guard shape.allSatisfy({ $0 >= 0 }), strides.allSatisfy({ $0 >= 0 }), (0..<(1 << 48)).contains(offset) else {
            return "has a negative or out-of-range size, stride or offset"
        }
        guard !shape.contains(0) else { return nil }
        var count = 1, last = offset
        for (size, stride) in zip(shape, strides) {
            let (product, productOverflow) = count.multipliedReportingOverflow(by: size)
            let (step, stepOverflow) = (size - 1).multipliedReportingOverflow(by: stride)
            guard !productOverflow, !stepOverflow, product < 1 << 40, step < 1 << 48 else { return "is too large" }
            count = product
            last += step
        }
        return last < storage.viewCount ? nil : "reaches element \(last) of a storage of \(storage.viewCount) elements"
    }

    /// Copies the tensor's elements, in row-major order of `shape`, out of the storage's raw bytes as
    /// Float32, following the strides (so transposed and sliced tensors come out contiguous).
    /// Call only when `problem` is nil.
    ///
    /// - Parameter bytes: the stored storage's little-endian bytes, `storage.count` elements.
    func materialise(from bytes: UnsafeRawBufferPointer) -> [Float] {
        let count = shape.reduce(1, *)
        if count == 0 { return [] }
        let type = storage.scalarType
        let base = bytes.baseAddress! + (storage.viewOffset + offset) * type.byteWidth
        #if _endian(little)
        if type == .float32, isContiguous {
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: base, byteCount: count * 4)
                initialized = count
            }
        }
        #endif
        var values = [Float]()
        values.reserveCapacity(count)
        var index = [Int](repeating: 0, count: shape.count)
        var position = 0
        for _ in 0..<count {
            values.append(type.value(at: position, in: base))
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                position += strides[axis]
                if index[axis] < shape[axis] { break }
                position -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return values
    }

    /// Whether the strides are those of a row-major tensor of `shape` (ignoring axes of size 1).
    var isContiguous: Bool {
        var expected = 1
        for (size, stride) in zip(shape, strides).reversed() where size != 1 {
            if stride != expected { return false }
            expected *= size
        }
        return true
    }
}
