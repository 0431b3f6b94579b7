import XCTest
@testable import CNN

/// A B packed once (`PackedOperand`) gives the same bits as packing it inside every product, on every kernel
/// of pipe's this CPU runs, for blocks past one 256-deep k block and one column block (1,024 wide on AVX-512),
/// either layout of B, with beta, and with a batch norm on A; OpenBLAS packs nothing.
final class PackedOperandTests: XCTestCase {
    func testPackedBEqualsPackingPerProduct() {
        var random = TestRandom(seed: 21)
        let shapes: [(m: Int, n: Int, k: Int, transposeB: Bool)] = [(13, 1100, 300, false), (45, 33, 600, true), (1, 1, 1, false),
                                                                   (200, 70, 257, false)]
        for kernel in GemmKernel.available where kernel != .openBLAS {
            for (m, n, k, transposeB) in shapes {
                let lda = k + 2, ldb = (transposeB ? k : n) + 3, ldc = n + 1
                let a = random.array(m * lda), b = random.array((transposeB ? n : k) * ldb), start = random.array(m * ldc)
                var scratch = [Float](repeating: .nan, count: PackedOperand.scratchSize(kernel, k: k, n: n))
                let packed = scratch.withUnsafeMutableBufferPointer {
                    PackedOperand(kernel: kernel, transposeB: transposeB, k: k, n: n, b: b, ldb: ldb, scratch: $0.baseAddress!)
                }
                guard let packed else { return XCTFail("\(kernel) did not pack") }
                XCTAssertEqual(Int(bitPattern: packed.pointer) % 64, 0, "aligned for the kernels' loads")
                for beta: Float in [0, 1] {
                    var expected = start, c = start
                    kernel.run(transposeB: transposeB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: &expected,
                               ldc: ldc, threads: 1)
                    // Only non-transposed B goes through runInRowBands' b; the packed panels stand in for either.
                    XCTAssertTrue(kernel.runInRowBands(m: m, n: n, k: k, a: a, lda: lda, normalization: nil, b: b, ldb: ldb,
                                                       packedB: packed, beta: beta, c: &c, ldc: ldc, threads: 2))
                    XCTAssertEqual(c.map(\.bitPattern), expected.map(\.bitPattern), "\(kernel) m \(m) n \(n) k \(k) transposed B \(transposeB) beta \(beta)")
                }
                let mean = random.array(k), scale = random.array(k), shift = random.array(k)
                var expected = [Float](repeating: 0, count: m * ldc), c = expected
                XCTAssertTrue(kernel.runNormalized(m: m, n: n, k: k, a: a, lda: lda, mean: mean, scale: scale, shift: shift,
                                                   b: transposeB ? Self.transpose(b, rows: n, columns: k, stride: ldb) : b,
                                                   ldb: transposeB ? n : ldb, c: &expected, ldc: ldc))
                withExtendedLifetime(scratch) {}
                mean.withUnsafeBufferPointer { mean in scale.withUnsafeBufferPointer { scale in shift.withUnsafeBufferPointer { shift in
                    let reading = BatchNormReading(mean: mean.baseAddress!, scale: scale.baseAddress!, shift: shift.baseAddress!)
                    XCTAssertTrue(kernel.runInRowBands(m: m, n: n, k: k, a: a, lda: lda, normalization: reading, b: b, ldb: ldb,
                                                       packedB: packed, c: &c, ldc: ldc))
                }}}
                XCTAssertEqual(c.map(\.bitPattern), expected.map(\.bitPattern), "\(kernel) normalized, m \(m) n \(n) k \(k)")
                scratch.removeAll()
            }
        }
        var scratch = [Float](repeating: 0, count: 4)
        XCTAssertEqual(PackedOperand.scratchSize(.openBLAS, k: 2, n: 2), 0)
        XCTAssertNil(PackedOperand(kernel: .openBLAS, k: 1, n: 1, b: [1], ldb: 1, scratch: &scratch))
    }

    /// The `columns x rows` transpose of a `rows x columns` matrix with row stride `stride`.
    static func transpose(_ matrix: [Float], rows: Int, columns: Int, stride: Int) -> [Float] {
        (0..<columns).flatMap { j in (0..<rows).map { i in matrix[i * stride + j] } }
    }
}
