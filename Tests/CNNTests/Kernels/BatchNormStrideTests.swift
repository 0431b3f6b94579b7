import XCTest
@testable import CNN

/// Batch norm reading a channel prefix of a wider buffer, as a DenseNet layer reads its block's features.
final class BatchNormStrideTests: XCTestCase {
    func testStridedInputAndAccumulatedGradientMatchContiguous() {
        let rows = 12, channels = 3, stride = 5
        var random = TestRandom(seed: 17)
        let wide = random.array(rows * stride, scale: 2), dy = random.array(rows * channels)
        let narrow = (0..<rows).flatMap { Array(wide[($0 * stride)..<($0 * stride + channels)]) }
        let gamma = random.array(channels), beta = random.array(channels)
        for mode in [BatchNormMode.training, .frozen] {
            func run(_ input: [Float], inputStride: Int, gradientStride: Int, start: [Float]) -> ([Float], [Float]) {
                var y = [Float](repeating: 0, count: rows * channels), mean = [Float](repeating: 0, count: channels)
                var invStd = mean, rm = mean, rv = [Float](repeating: 1, count: channels), dx = start
                batchNormForward(output: &y, savedMean: &mean, savedInvStd: &invStd, runningMean: &rm, runningVariance: &rv,
                                 input: input, gamma: gamma, beta: beta, inputStride: inputStride, rows: rows,
                                 channels: channels, mode: mode)
                batchNormBackward(inputGradient: &dx, gammaGradient: nil, betaGradient: nil, outputGradient: dy,
                                  input: input, gamma: gamma, savedMean: mean, savedInvStd: invStd,
                                  inputStride: inputStride, inputGradientStride: gradientStride,
                                  accumulateInputGradient: gradientStride != channels, rows: rows, channels: channels, mode: mode)
                return (y, dx)
            }
            let (y, dx) = run(narrow, inputStride: channels, gradientStride: channels, start: narrow)
            let (wideY, wideDx) = run(wide, inputStride: stride, gradientStride: stride,
                                      start: [Float](repeating: 1, count: rows * stride))
            XCTAssertEqual(wideY, y)
            for row in 0..<rows {
                for c in 0..<channels { XCTAssertEqual(wideDx[row * stride + c], 1 + dx[row * channels + c], accuracy: 1e-6) }
                for c in channels..<stride { XCTAssertEqual(wideDx[row * stride + c], 1) }
            }
        }
    }
}
