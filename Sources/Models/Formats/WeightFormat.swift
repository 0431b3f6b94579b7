import Foundation

/// The weight-file formats pipe reads.
public enum WeightFormat: String, CaseIterable, Codable, Sendable {
    /// Hugging Face safetensors (torchvision/timm state dicts, pipe checkpoints).
    case safetensors
    /// Keras 2 style HDF5 (`*_weights_tf_dim_ordering_tf_kernels*.h5`): a group per layer with `weight_names`.
    case kerasH5 = "keras-h5"
    /// Keras 3 `.weights.h5`: `layers/<layer>/vars/<index>`.
    case keras3 = "keras3"
    /// A PyTorch `torch.save` state dict (`.pth`, `.pt`), zip or legacy format, such as torchvision's weights.
    case pytorch

    /// The naming the file's weights follow: PyTorch state dicts are torchvision's, HDF5 files Keras's.
    public var variant: Variant {
        switch self {
        case .safetensors, .pytorch: .torchvision
        case .kerasH5, .keras3: .keras
        }
    }

    /// Tells the format from the file's first bytes and, for HDF5, its layout.
    public static func detect(path: String) throws -> WeightFormat {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ModelError.unreadableWeights(path: path, reason: "no such file or not readable")
        }
        let data = (try? handle.read(upToCount: 32)) ?? Data()
        let head = [UInt8](data)
        try? handle.close()
        if head.starts(with: [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]) {
            let format: WeightFormat? = try HDF5File.read(path: path, strings: [], values: false) { file in
                if file.hasAttribute("layer_names") || file.hasAttribute("layer_names", of: "model_weights") { return .kerasH5 }
                return file.exists("layers") ? .keras3 : nil
            }
            guard let format else { throw ModelError.unknownWeightFormat(path: path) }
            return format
        }
        if PyTorchCheckpoint.isCheckpoint(head: data) { return .pytorch }
        if head.count >= 9, head[8] == UInt8(ascii: "{") { return .safetensors }
        throw ModelError.unknownWeightFormat(path: path)
    }

    /// The naming of the weights in the file at `path`: the format's, except for a safetensors file that
    /// records its own (pipe's checkpoints, which keep the variant they were built with).
    public static func variant(ofFile path: String) throws -> Variant {
        let format = try detect(path: path)
        return recordedMetadata(path: path)["variant"].flatMap(Variant.init(rawValue:)) ?? format.variant
    }

    /// The `__metadata__` strings of a safetensors file's header (pipe's checkpoints record their format,
    /// architecture and variant there); empty for other files.
    public static func recordedMetadata(path: String) -> [String: String] {
        guard (try? detect(path: path)) == .safetensors, let handle = FileHandle(forReadingAtPath: path) else { return [:] }
        defer { try? handle.close() }
        let prefix = [UInt8]((try? handle.read(upToCount: 8)) ?? Data())
        guard prefix.count == 8 else { return [:] }
        let length = prefix.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length < 100_000_000, let header = try? handle.read(upToCount: Int(length)),
              let object = try? JSONSerialization.jsonObject(with: header) as? [String: Any],
              let metadata = object["__metadata__"] as? [String: Any] else { return [:] }
        return metadata.compactMapValues { $0 as? String }
    }
}
