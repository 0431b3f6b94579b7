import XCTest
@testable import CNN

/// Batch norm over 2 rows, as DenseNet121's last block and final batch norm see them at 32 px (1x1 maps) in a
/// 2-image batch or shard. With two values per channel `xhat = ±d / sqrt(d^2 + eps)` (`d` half their
/// difference), whose derivative `eps / (d^2 + eps)^1.5` is 0 for well-separated values and `1/sqrt(eps)` (316)
/// when they nearly agree. The kernel matches a Double reference there: the huge input gradients it returns for
/// such channels are the function's own, not an error of the kernel.
final class BatchNormTwoRowTests: XCTestCase {
    func testTwoRowGradientsMatchAFloat64ReferenceAndAmplifyNearlyEqualRows() {
        let rows = 2, channels = 4, epsilon: Float = 1e-5
        // Per channel: half-differences of 5e-5 and 1.5e-3 (around sqrt(eps) = 3.2e-3), 0.5 and 0.
        let input: [Float] = [0.3, 1.0, -2, 0.7,
                              0.3001, 2.0, -1.997, 0.7]
        let gamma: [Float] = [1, 1, 0.5, 1], beta: [Float] = [0, 0.1, 0, 0]
        let dy: [Float] = [1, 1, 1, 1,
                           0, 0, 0, 0]
        var y = [Float](repeating: 0, count: rows * channels), mean = [Float](repeating: 0, count: channels)
        var invStd = mean, runningMean = mean, runningVariance = [Float](repeating: 1, count: channels)
        var dx = y, dGamma = mean, dBeta = mean
        batchNormForward(output: &y, savedMean: &mean, savedInvStd: &invStd, runningMean: &runningMean,
                         runningVariance: &runningVariance, input: input, gamma: gamma, beta: beta, rows: rows,
                         channels: channels, mode: .training, epsilon: epsilon)
        batchNormBackward(inputGradient: &dx, gammaGradient: &dGamma, betaGradient: &dBeta, outputGradient: dy, input: input,
                          gamma: gamma, savedMean: mean, savedInvStd: invStd, rows: rows, channels: channels, mode: .training)
        for c in 0..<channels {
            // Float64 reference on the same (Float) inputs.
            let x = (0..<rows).map { Double(input[$0 * channels + c]) }, g = (0..<rows).map { Double(dy[$0 * channels + c]) }
            let m = x.reduce(0, +) / Double(rows)
            let variance = x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(rows)
            let s = 1 / (variance + Double(epsilon)).squareRoot()
            let xhat = x.map { ($0 - m) * s }
            let meanG = g.reduce(0, +) / Double(rows), meanGX = zip(g, xhat).map(*).reduce(0, +) / Double(rows)
            for r in 0..<rows {
                let expectedY = Double(gamma[c]) * xhat[r] + Double(beta[c])
                let expectedDx = Double(gamma[c]) * s * (g[r] - meanG - xhat[r] * meanGX)
                XCTAssertEqual(Double(y[r * channels + c]), expectedY, accuracy: 1e-4 * max(1, abs(expectedY)), "y[\(r), \(c)]")
                XCTAssertEqual(Double(dx[r * channels + c]), expectedDx, accuracy: 1e-3 * max(1, abs(expectedDx)), "dx[\(r), \(c)]")
            }
        }
        // Nearly equal rows: a gradient of 1 comes back about 158 times larger (gamma / (2 sqrt(eps)))...
        XCTAssertGreaterThan(abs(dx[0]), 150)
        XCTAssertGreaterThan(abs(dx[2]), 20)
        // ...well-separated rows pass almost nothing back (xhat is ±1 whatever they are)...
        XCTAssertLessThan(abs(dx[1]), 1e-3)
        // ...and equal rows are normalised to 0 and pass back gamma / (2 sqrt(eps)).
        XCTAssertEqual(y[3], 0)
        XCTAssertEqual(Double(dx[3]), 0.5 / Double(epsilon).squareRoot(), accuracy: 0.01)
    }
}
