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
}
