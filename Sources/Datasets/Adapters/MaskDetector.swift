import Foundation
import Imaging

/// Tells a CBIS-DDSM ROI mask (binary 0/255, give or take JPEG ringing) from a cropped mammogram by pixel content.
enum MaskDetector {
    enum Kind: Equatable, Sendable {
        case mask, image
        case unreadable(String)
    }

    /// A mask has almost no pixels between the dark and bright extremes.
    static func classify(_ url: URL, path: String) -> Kind {
        do {
            let image = try ImageDecoder.decode(contentsOf: url, as: .gray8)
            return isMask(image) ? .mask : .image
        } catch {
            return .unreadable(DatasetFiles.reason(error, path: path))
        }
    }

    static func isMask(_ image: Image) -> Bool {
        let between = image.bytes.reduce(0) { $0 + ($1 > 24 && $1 < 231 ? 1 : 0) }
        return Double(between) <= 0.01 * Double(image.bytes.count)
    }
}
