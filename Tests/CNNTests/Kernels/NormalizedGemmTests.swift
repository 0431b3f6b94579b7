import XCTest
@testable import CNN

/// `GemmKernel.runNormalized` (a batch norm and ReLU applied to A as the kernel reads it) gives the same bits
/// as writing the normalized A first and multiplying it, on every kernel of pipe's this CPU runs, for any
/// thread count; OpenBLAS declines and leaves C alone.
final class NormalizedGemmTests: XCTestCase {
    /// Tile and block edges of every kernel: m past a row block (MC up to 168), k across 256-wide blocks,
    /// n short of and past a register tile's columns.
    static let shapes: [(m: Int, n: Int, k: Int)] = [(1, 1, 1), (29, 33, 300), (181, 17, 600), (300, 130, 7), (14, 32, 257)]

    /// The separate pass, as `batchNormForward` computes it: `(x - mean) * scale + shift`, then ReLU.
    static func normalized(_ a: [Float], rows: Int, k: Int, lda: Int, mean: [Float], scale: [Float], shift: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: rows * k)
        for i in 0..<rows {
            for p in 0..<k {
                let y = (a[i * lda + p] - mean[p]) * scale[p] + shift[p]
                out[i * k + p] = y > 0 ? y : 0
            }
        }
        return out
    }

    func testEveryPipeKernelMatchesTheSeparatePassBitForBit() {
        let kernels = GemmKernel.available.filter { $0 != .openBLAS }
        XCTAssertTrue(kernels.contains(.portable), "the portable kernel runs everywhere")
        var random = TestRandom(seed: 11)
        for (m, n, k) in Self.shapes {
            let lda = k + 5, ldc = n + 3
            var a = random.array(m * lda, scale: 3)
            // NaN, infinities and signed zeros in A: NaN and -0 normalize as the separate pass does.
            for (index, value) in [Float.nan, .infinity, -.infinity, -0.0, 0].enumerated() where index < a.count { a[index * 7 % a.count] = value }
            let mean = random.array(k), scale = random.array(k, scale: 2), shift = random.array(k, scale: 0.5)
            let b = random.array(k * n)
            let plain = Self.normalized(a, rows: m, k: k, lda: lda, mean: mean, scale: scale, shift: shift)
            for kernel in kernels {
                var expected = [Float](repeating: .nan, count: m * ldc)
                kernel.run(m: m, n: n, k: k, a: plain, lda: k, b: b, ldb: n, c: &expected, ldc: ldc, threads: 1)
                for threads in [1, 3] {
                    var c = [Float](repeating: .nan, count: m * ldc)
                    XCTAssertTrue(kernel.runNormalized(m: m, n: n, k: k, a: a, lda: lda, mean: mean, scale: scale, shift: shift,
                                                       b: b, ldb: n, c: &c, ldc: ldc, threads: threads), "\(kernel)")
                    for i in 0..<m {
                        for j in 0..<n where c[i * ldc + j].bitPattern != expected[i * ldc + j].bitPattern {
                            XCTFail("\(kernel), \(threads) threads, m \(m) n \(n) k \(k): C[\(i), \(j)] = \(c[i * ldc + j]), separate pass \(expected[i * ldc + j])")
                            return
                        }
                    }
                }
            }
        }
    }

    func testOpenBLASDeclinesAndLeavesCAlone() {
        XCTAssertFalse(GemmKernel.openBLAS.normalizesWhileReading)
        let a: [Float] = [1, 2], b: [Float] = [3, 4], zero: [Float] = [0, 0], one: [Float] = [1, 1]
        var c: [Float] = [7]
        XCTAssertFalse(GemmKernel.openBLAS.runNormalized(m: 1, n: 1, k: 2, a: a, lda: 2, mean: zero, scale: one, shift: zero,
                                                         b: b, ldb: 1, c: &c, ldc: 1))
        XCTAssertEqual(c, [7])
    }
}
