import COpenBLAS
import XCTest
@testable import CNN

/// `gemm` against a Double reference on odd shapes, every transpose, row strides wider than the
/// matrices, and alpha/beta; and the same bits for any thread count on pipe's own kernels
/// (OpenBLAS, the fallback, only agrees up to rounding).
final class GemmTests: XCTestCase {
    struct Case {
        var transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float, beta: Float
        var lda: Int { (transposeA ? m : k) + 3 }
        var ldb: Int { (transposeB ? k : n) + 1 }
        var ldc: Int { n + 2 }

        /// The exact `alpha·Σ a·b + beta·c` of one element (in Double) and the worst-case error of any float
        /// evaluation of it: a sum of k products plus the alpha and beta steps is off by at most
        /// γ(k+2) = (k+2)u / (1 − (k+2)u) times the sum of the terms' magnitudes, u = 2⁻²⁴ (Higham, §3.1).
        func reference(_ i: Int, _ j: Int, _ a: [Float], _ b: [Float], _ start: [Float]) -> (value: Double, bound: Double) {
            var sum = 0.0, magnitude = 0.0
            for p in 0..<k {
                let x = transposeA ? a[p * lda + i] : a[i * lda + p]
                let y = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                sum += Double(x) * Double(y)
                magnitude += abs(Double(x) * Double(y))
            }
            let c = Double(start[i * ldc + j])
            let unit = 0x1p-24, terms = Double(k + 2)
            let gamma = terms * unit / (1 - terms * unit)
            let bound = gamma * (abs(Double(alpha)) * magnitude + abs(Double(beta) * c))
            // Subnormal and denormal-flush effects are far below this for the inputs used here.
            return (Double(alpha) * sum + Double(beta) * c, bound + Double(Float.leastNormalMagnitude))
        }
    }

    static let cases: [Case] = [
        Case(transposeA: false, transposeB: false, m: 1, n: 1, k: 1, alpha: 1, beta: 0),
        Case(transposeA: false, transposeB: false, m: 29, n: 33, k: 300, alpha: 1, beta: 0),
        Case(transposeA: true, transposeB: false, m: 15, n: 65, k: 513, alpha: 0.5, beta: 1),
        Case(transposeA: false, transposeB: true, m: 43, n: 17, k: 7, alpha: 1, beta: 0.25),
        Case(transposeA: true, transposeB: true, m: 14, n: 32, k: 257, alpha: -2, beta: 0),
        Case(transposeA: false, transposeB: false, m: 200, n: 1100, k: 40, alpha: 1, beta: 1),
    ]

    func testMatchesDoubleReference() {
        var random = TestRandom(seed: 5)
        for (index, test) in Self.cases.enumerated() {
            let a = random.array((test.transposeA ? test.k : test.m) * test.lda)
            let b = random.array((test.transposeB ? test.n : test.k) * test.ldb)
            let start = random.array(test.m * test.ldc)
            var c = start
            run(test, a, b, &c)
            for i in 0..<test.m {
                for j in 0..<test.ldc {
                    let got = c[i * test.ldc + j]
                    guard j < test.n else {
                        XCTAssertEqual(got, start[i * test.ldc + j], "case \(index): padding column \(j) written")
                        continue
                    }
                    let (expected, bound) = test.reference(i, j, a, b, start)
                    XCTAssertLessThanOrEqual(abs(Double(got) - expected), bound, "case \(index) C[\(i), \(j)]")
                }
            }
        }
    }

    /// The OpenBLAS path, which CPUs without AVX-512 take, against pipe's kernels on every transpose.
    func testOpenBLASFallbackAgreesWithTheKernels() {
        var random = TestRandom(seed: 8)
        for test in Self.cases {
            let a = random.array((test.transposeA ? test.k : test.m) * test.lda)
            let b = random.array((test.transposeB ? test.n : test.k) * test.ldb)
            let start = random.array(test.m * test.ldc)
            var ours = start, theirs = start
            run(test, a, b, &ours)
            theirs.withUnsafeMutableBufferPointer { c in
                GemmKernel.openBLAS(test.transposeA, test.transposeB, test.m, test.n, test.k, test.alpha, a, test.lda,
                                    b, test.ldb, test.beta, c.baseAddress!, test.ldc)
            }
            assertWithinTwoRoundings(test, a, b, start, ours, theirs, "OpenBLAS vs pipe's kernels")
        }
    }

    func testBetaZeroIgnoresNaNInOutput() {
        let test = Case(transposeA: false, transposeB: false, m: 20, n: 40, k: 9, alpha: 1, beta: 0)
        var random = TestRandom(seed: 6)
        let a = random.array(test.m * test.lda), b = random.array(test.k * test.ldb)
        var c = [Float](repeating: .nan, count: test.m * test.ldc)
        run(test, a, b, &c)
        for i in 0..<test.m { for j in 0..<test.n { XCTAssertTrue(c[i * test.ldc + j].isFinite) } }
    }

    func testThreadCountDoesNotChangeBits() {
        let threads = openblas_get_num_threads()
        defer { openblas_set_num_threads(threads) }
        var random = TestRandom(seed: 7)
        for test in [Case(transposeA: false, transposeB: false, m: 301, n: 70, k: 600, alpha: 1, beta: 0),
                     Case(transposeA: true, transposeB: false, m: 30, n: 250, k: 700, alpha: 1, beta: 1)] {
            let a = random.array((test.transposeA ? test.k : test.m) * test.lda)
            let b = random.array((test.transposeB ? test.n : test.k) * test.ldb)
            let start = random.array(test.m * test.ldc)
            var single = start, multi = start
            openblas_set_num_threads(1)
            run(test, a, b, &single)
            openblas_set_num_threads(max(threads, 2))
            run(test, a, b, &multi)
            if GemmKernel.current == .avx512 {
                XCTAssertTrue(single == multi, "pipe's kernels give the same bits on 1 and 2 threads")
            } else {
                assertWithinTwoRoundings(test, a, b, start, single, multi, "OpenBLAS on 1 and 2 threads")
            }
        }
    }

    /// Two float evaluations of the same product, each within the rounding bound of the exact value, so
    /// within twice that bound of each other whatever order each one summed in.
    private func assertWithinTwoRoundings(_ test: Case, _ a: [Float], _ b: [Float], _ start: [Float],
                                          _ x: [Float], _ y: [Float], _ what: String,
                                          file: StaticString = #filePath, line: UInt = #line) {
        for i in 0..<test.m {
            for j in 0..<test.n {
                let bound = 2 * test.reference(i, j, a, b, start).bound
                let index = i * test.ldc + j
                XCTAssertLessThanOrEqual(abs(Double(x[index]) - Double(y[index])), bound,
                                         "\(what): m \(test.m) n \(test.n) k \(test.k) C[\(i), \(j)]", file: file, line: line)
            }
        }
    }

    private func run(_ test: Case, _ a: [Float], _ b: [Float], _ c: inout [Float]) {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    gemm(transposeA: test.transposeA, transposeB: test.transposeB, m: test.m, n: test.n, k: test.k,
                         alpha: test.alpha, a: a.baseAddress!, lda: test.lda, b: b.baseAddress!, ldb: test.ldb,
                         beta: test.beta, c: c.baseAddress!, ldc: test.ldc)
                }
            }
        }
    }
}
