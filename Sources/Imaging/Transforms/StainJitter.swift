import Foundation

/// Colour deconvolution into haematoxylin, eosin and DAB densities (Ruifrok and Johnston's stain vectors),
/// jittered per stain, and back to RGB: the usual stain augmentation for H&E histology.
enum StainJitter {
    /// Rows: the optical-density RGB direction of haematoxylin, eosin and DAB.
    static let stains: [[Double]] = [[0.65, 0.70, 0.29], [0.07, 0.99, 0.11], [0.27, 0.57, 0.78]]

    /// The stain vectors scaled to unit length.
    static let normalised: [[Double]] = stains.map { row in
        let norm = (row.reduce(0) { $0 + $1 * $1 }).squareRoot()
        return row.map { $0 / norm }
    }

    /// Its inverse: densities = optical densities × `inverse`.
    static let inverse: [[Double]] = invert(normalised)

    static func apply<R: RandomNumberGenerator>(to image: Image, sigma: Double, using random: inout R) throws(ImagingError) -> Image {
        let rgb = image.channels == 3 ? image : image.converted(to: .rgb8)
        let alpha = (0..<3).map { _ in Double.random(in: (1 - sigma)...(1 + sigma), using: &random) }
        let beta = (0..<3).map { _ in Double.random(in: -sigma...sigma, using: &random) }
        var out = [UInt8](repeating: 0, count: rgb.bytes.count)
        for p in stride(from: 0, to: rgb.bytes.count, by: 3) {
            let od = (0..<3).map { -log(max(Double(rgb.bytes[p + $0]), 1) / 255) }
            var density = [0.0, 0.0, 0.0]
            for s in 0..<3 {
                density[s] = (0..<3).reduce(0) { $0 + od[$1] * inverse[$1][s] } * alpha[s] + beta[s]
            }
            for k in 0..<3 {
                let back = (0..<3).reduce(0) { $0 + density[$1] * normalised[$1][k] }
                out[p + k] = UInt8(max(0, min(255, (255 * exp(-back)).rounded())))
            }
        }
        let result = try Image(width: rgb.width, height: rgb.height, format: .rgb8, bytes: out)
        return image.channels == 3 ? result : result.converted(to: .gray8)
    }

    /// The inverse of a 3×3 matrix (the stain matrix is well conditioned).
    static func invert(_ m: [[Double]]) -> [[Double]] {
        let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
        var inverse = [[Double]](repeating: [0, 0, 0], count: 3)
        for i in 0..<3 {
            for j in 0..<3 {
                let rows = (0..<3).filter { $0 != j }, cols = (0..<3).filter { $0 != i }
                let minor = m[rows[0]][cols[0]] * m[rows[1]][cols[1]] - m[rows[0]][cols[1]] * m[rows[1]][cols[0]]
                inverse[i][j] = ((i + j) % 2 == 0 ? 1 : -1) * minor / det
            }
        }
        return inverse
    }
}
