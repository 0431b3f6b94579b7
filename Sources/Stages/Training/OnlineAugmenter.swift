import CNN
import Datasets
import Dispatch
import Foundation
import Imaging
import Models
import PipeBase

/// Applies `fine-tune`'s `online_augment` ops to training images as they are loaded, with a new draw each
/// epoch: an image in epoch `e` always gets the same draw for a given pipeline seed, wherever its file lives.
struct OnlineAugmenter {
    let plan: AugmentPlan
    let seed: UInt64

    /// The augmented images of manifest `rows` resized to `size x size` and preprocessed into one NHWC batch.
    func batch(_ rows: [ManifestEntry], epoch: Int, size: Int, preprocessing: Preprocessing) throws -> Tensor {
        let paths = rows.map(\.path)
        // The content hash names an image independently of where the data set is.
        let streams = rows.map { Self.stream(of: $0.sha256) }
        let results = ParallelResults<Result<[UInt8], Error>>(count: paths.count)
        DispatchQueue.concurrentPerform(iterations: paths.count) { i in
            results.set(i, Result {
                var random = SeededRandom(seed: seed, 0x0A11E, UInt64(epoch), streams[i])
                let image = try ImageDecoder.decode(contentsOf: URL(fileURLWithPath: paths[i]), as: .rgb8)
                let augmented = try plan.apply(to: image, using: &random).converted(to: .rgb8)
                return try Resizer.resize(augmented, width: size, height: size).rgbBytes()
            })
        }
        var pixels: [[UInt8]] = []
        for (path, result) in zip(paths, results.values) {
            switch result {
            case .success(let bytes)?: pixels.append(bytes)
            case .failure(let error)?: throw StageError.badInput(file: path, reason: "cannot augment: \(error)")
            case nil: throw StageError.badInput(file: path, reason: "cannot augment: not processed")
            }
        }
        return preprocessing.batch(rgb: pixels, height: size, width: size)
    }

    /// A stable 64-bit stream number for an image's key (FNV-1a), so draws do not depend on row order.
    static func stream(of key: String) -> UInt64 {
        key.utf8.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
    }
}
