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
            let format: WeightFormat? = try HDF5File.read(path: path) { file in
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
}
