import Foundation

/// Reads PyTorch checkpoints that `torch.save` wrote from a state dict (name -> tensor): the zip format of
/// PyTorch 1.6 and later and the older pickle-stream format (torchvision's DenseNet files use it).
///
/// Tensors come back as Float32 arrays in PyTorch's layout (OIHW kernels, `[out, in]` linear weights),
/// strided ones made contiguous; float16, bfloat16 and float64 are converted, and so are integer tensors
/// such as `num_batches_tracked`, for the caller to skip by name, as with safetensors.
public enum PyTorchCheckpoint {
    static let zipMagic: [UInt8] = [0x50, 0x4B, 0x03, 0x04]
    /// The legacy format's magic number 0x1950a86a20f9469cfc6c as a pickle LONG1, which its first pickle holds.
    static let legacyMagic: [UInt8] = [0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    /// Whether a file's first bytes open a checkpoint: a zip, or the legacy format's first pickle (protocol 2
    /// to 5, a FRAME from protocol 4 on, then the magic number).
    static func isCheckpoint(head: Data) -> Bool {
        if head.starts(with: zipMagic) { return true }
        let bytes = [UInt8](head.prefix(32))
        guard bytes.count > 2, bytes[0] == 0x80, (2...5).contains(bytes[1]) else { return false }
        return bytes.dropFirst(bytes[2] == 0x95 ? 11 : 2).starts(with: legacyMagic)
    }

    /// Every tensor of the file by name.
    public static func read(path: String) throws -> [String: WeightArray] {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else {
            throw ModelError.unreadableWeights(path: path, reason: "no such file or not readable")
        }
        if data.starts(with: zipMagic) { return try PyTorchZipFile.read(path: path) }
        if isCheckpoint(head: data) { return try PyTorchLegacyFile.read(data, path: path) }
        throw ModelError.unreadableWeights(path: path, reason: "not a PyTorch checkpoint: it starts with neither a zip "
                                           + "header nor the magic number of torch.save's legacy format")
    }

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
            let needed = reference.count * reference.scalarType.byteWidth
            guard bytes.count >= needed else {
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
