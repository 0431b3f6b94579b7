import COpenBLAS
import PipeBase
import XCTest
@testable import CNN

/// Results do not depend on how many threads run them.
final class ThreadingTests: XCTestCase {
    func testChunkingDependsOnlyOnProblemSize() {
        let chunks = Parallel.chunks(count: 1000, grain: 64)
        XCTAssertEqual(chunks.count, 16)
        XCTAssertEqual(chunks.first, 0..<63)
        XCTAssertEqual(chunks.last?.upperBound, 1000)
        XCTAssertEqual(Parallel.chunks(count: 10_000_000, grain: 1).count, 64, "capped, whatever the core count")
    }

    /// A convolution computed with one OpenBLAS thread equals the multi-threaded one up to rounding.
    func testConvolutionWithOneBLASThreadMatches() {
        let shape = ConvShape(batch: 2, height: 9, width: 9, inChannels: 8, outChannels: 16,
                              window: WindowGeometry(kernel: 3, stride: 2, padding: 1))
        var random = TestRandom(seed: 31)
        let input = random.array(2 * 81 * 8), weights = random.array(shape.patchSize * 16)
        let projection = random.array(2 * shape.outHeight * shape.outWidth * 16)
        let threads = openblas_get_num_threads()
        defer { openblas_set_num_threads(threads) }
        openblas_set_num_threads(1)
        let single = ConvGradientTests.convolve(input, weights, nil, shape)
        let singleGradients = ConvGradientTests.gradients(input, weights, projection, shape)
        openblas_set_num_threads(max(threads, 2))
        assertClose(ConvGradientTests.convolve(input, weights, nil, shape), single, relative: 1e-6, "y")
        let gradients = ConvGradientTests.gradients(input, weights, projection, shape)
        assertClose(gradients.0, singleGradients.0, relative: 1e-6, "dx")
        assertClose(gradients.1, singleGradients.1, relative: 1e-6, "dw")
    }
}
