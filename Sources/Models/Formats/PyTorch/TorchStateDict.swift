import Foundation

/// The tensors of an unpickled PyTorch state dict (name -> tensor), and copying them out of their storages;
/// shared by the zip and legacy checkpoint readers.
enum TorchStateDict {
    /// The tensors of an unpickled state dict, in the file's order.
    static func tensors(of value: PickleValue, path: String) throws -> [(name: String, tensor: TorchTensorReference)] {
        func fail(_ reason: String) -> ModelError { .unreadableWeights(path: path, reason: reason) }
        guard case .dict(let dict) = value else {
            throw fail("it holds \(value.kind), not a state dict (name -> tensor); save model.state_dict()")
        }
        return try zip(dict.keys, dict.values).map { key, value in
            guard let name = key.stringValue else { throw fail("a state dict key is \(key.kind), not a name") }
            guard case .tensor(let tensor) = value else {
                throw fail("'\(name)' is \(value.kind), not a tensor; pipe reads a state dict (name -> tensor), so save "
                           + "model.state_dict() alone rather than a training checkpoint")
            }
            return (name, tensor)
        }
    }

    /// Copies each tensor out of its storage; `storage` gives a storage's raw bytes, fetched once per storage
    /// and released after its last tensor.
    static func arrays(_ tensors: [(name: String, tensor: TorchTensorReference)], path: String,
                       storage: (TorchStorageReference) throws -> Data) throws -> [String: WeightArray] {
        var uses: [String: Int] = [:]
        for (_, tensor) in tensors { uses[tensor.storage.key, default: 0] += 1 }
        var loaded: [String: Data] = [:]
        var arrays: [String: WeightArray] = [:]
        for (name, tensor) in tensors {
            if let problem = tensor.problem {
                throw ModelError.unreadableWeights(path: path, reason: "tensor '\(name)' \(problem)")
            }
            let reference = tensor.storage
            let bytes = try loaded[reference.key] ?? storage(reference)
            let (needed, overflow) = reference.count.multipliedReportingOverflow(by: reference.scalarType.byteWidth)
            guard !overflow, bytes.count >= needed else {
                throw ModelError.unreadableWeights(path: path, reason: "storage '\(reference.key)' of tensor '\(name)' holds "
                                                   + "\(bytes.count) bytes, expected \(needed) for \(reference.count) "
                                                   + "\(reference.scalarType) values: the file is truncated or damaged")
            }
            uses[reference.key]! -= 1
            loaded[reference.key] = uses[reference.key]! > 0 ? bytes : nil
            arrays[name] = WeightArray(shape: tensor.shape, values: bytes.withUnsafeBytes { tensor.materialise(from: $0) })
        }
        return arrays
    }
}
