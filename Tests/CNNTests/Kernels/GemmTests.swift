import COpenBLAS
import Foundation
import XCTest
@testable import CNN

/// Every GEMM kernel this CPU runs against a Double reference on odd shapes, every transpose, row
/// strides wider than the matrices, alpha/beta, several k blocks and NaN in C with beta 0; and the
/// same bits for any thread count on pipe's own kernels (OpenBLAS only agrees up to rounding).
/// Kernels for other CPUs are skipped with a message; their test names say which CPU they need.
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
            let c = beta == 0 ? 0 : Double(start[i * ldc + j])
            let unit = 0x1p-24, terms = Double(k + 2)
            let gamma = terms * unit / (1 - terms * unit)
            let bound = gamma * (abs(Double(alpha)) * magnitude + abs(Double(beta) * c))
            // Subnormal and denormal-flush effects are far below this for the inputs used here.
            return (Double(alpha) * sum + Double(beta) * c, bound + Double(Float.leastNormalMagnitude))
        }
    }

    /// A case with its inputs and, per element of C, the reference value and error bound.
    struct Fixture {
        var test: Case, a: [Float], b: [Float], start: [Float], expected: [Double], bounds: [Double]
    }

    /// Tile edges of every kernel (rows not a multiple of 4, 6 or 14, columns not of 16 or 32), k across
    /// several 256-wide blocks with beta ≠ 0 (beta applies once), m past one row block, n past one
    /// column block, and every transpose.
    static let cases: [Case] = [
        Case(transposeA: false, transposeB: false, m: 1, n: 1, k: 1, alpha: 1, beta: 0),
        Case(transposeA: false, transposeB: false, m: 29, n: 33, k: 300, alpha: 1, beta: 0),
        Case(transposeA: true, transposeB: false, m: 15, n: 65, k: 513, alpha: 0.5, beta: 1),
        Case(transposeA: false, transposeB: true, m: 43, n: 17, k: 7, alpha: 1, beta: 0.25),
        Case(transposeA: true, transposeB: true, m: 14, n: 32, k: 257, alpha: -2, beta: 0),
        Case(transposeA: false, transposeB: true, m: 5, n: 9, k: 600, alpha: 1.5, beta: -0.75),
        Case(transposeA: true, transposeB: false, m: 175, n: 7, k: 20, alpha: 1, beta: 2),
        Case(transposeA: false, transposeB: false, m: 181, n: 23, k: 11, alpha: 1, beta: 1),
        Case(transposeA: false, transposeB: false, m: 7, n: 1100, k: 30, alpha: 1, beta: 1),
        Case(transposeA: true, transposeB: true, m: 3, n: 1030, k: 5, alpha: -1, beta: 0.5),
    ]

    /// The inputs and references, computed once for all kernels.
    static let fixtures: [Fixture] = {
        var random = TestRandom(seed: 5)
        return cases.map { test in
            let a = random.array((test.transposeA ? test.k : test.m) * test.lda)
            let b = random.array((test.transposeB ? test.n : test.k) * test.ldb)
            let start = random.array(test.m * test.ldc)
            var expected = [Double](repeating: 0, count: test.m * test.n), bounds = expected
            for i in 0..<test.m {
                for j in 0..<test.n { (expected[i * test.n + j], bounds[i * test.n + j]) = test.reference(i, j, a, b, start) }
            }
            return Fixture(test: test, a: a, b: b, start: start, expected: expected, bounds: bounds)
        }
    }()

    func testAVX512KernelOnAVX512CPUsOnly() throws {
        guard GemmKernel.avx512.isAvailable else { throw XCTSkip("no AVX-512F on this CPU: the avx512 kernel is not tested here") }
        checkKernel(.avx512)
    }

    func testAVX2KernelOnAVX2CPUsOnly() throws {
        guard GemmKernel.avx2.isAvailable else { throw XCTSkip("no AVX2 + FMA on this CPU: the avx2 kernel is not tested here") }
        checkKernel(.avx2)
    }

    func testNEONKernelOnARM64CPUsOnly() throws {
        guard GemmKernel.neon.isAvailable else { throw XCTSkip("not an aarch64 CPU: the neon kernel is not tested here") }
        checkKernel(.neon)
    }

    func testPortableKernel() {
        checkKernel(.portable)
    }

    func testOpenBLAS() {
        for fixture in Self.fixtures { checkReference(.openBLAS, fixture) }
        checkNaNIgnored(.openBLAS)
        let threads = openblas_get_num_threads()
        defer { openblas_set_num_threads(threads) }
        var random = TestRandom(seed: 7)
        let test = Case(transposeA: true, transposeB: false, m: 30, n: 250, k: 700, alpha: 1, beta: 1)
        let a = random.array(test.k * test.lda), b = random.array(test.k * test.ldb)
        let start = random.array(test.m * test.ldc)
        var single = start, multi = start
        openblas_set_num_threads(1)
        run(.openBLAS, test, a, b, &single)
        openblas_set_num_threads(max(threads, 2))
        run(.openBLAS, test, a, b, &multi)
        for i in 0..<test.m {
            for j in 0..<test.n {
                let bound = 2 * test.reference(i, j, a, b, start).bound, index = i * test.ldc + j
                XCTAssertLessThanOrEqual(abs(Double(single[index]) - Double(multi[index])), bound,
                                         "OpenBLAS on 1 and 2 threads, C[\(i), \(j)]")
            }
        }
    }

    /// The kernels `GemmKernel` reports match the CPU's own flags (Linux only: /proc/cpuinfo), and the
    /// default is the best of them (AVX2 before AVX-512 on AMD).
    func testAvailabilityMatchesCPUFlags() throws {
        let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        guard let flagLine = cpuinfo?.split(separator: "\n").first(where: { $0.hasPrefix("flags") || $0.hasPrefix("Features") })
        else { throw XCTSkip("no /proc/cpuinfo flags to compare the kernels' CPU checks with") }
        let flags = Set(flagLine.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" }).map(String.init))
        #if arch(x86_64)
        XCTAssertEqual(GemmKernel.avx512.isAvailable, flags.contains("avx512f"))
        XCTAssertEqual(GemmKernel.avx2.isAvailable, flags.contains("avx2") && flags.contains("fma"))
        XCTAssertFalse(GemmKernel.neon.isAvailable)
        let amd = cpuinfo?.contains("AuthenticAMD") == true, avx2 = flags.contains("avx2") && flags.contains("fma")
        let expected: GemmKernel = avx2 && amd ? .avx2 : flags.contains("avx512f") ? .avx512 : avx2 ? .avx2 : .portable
        #elseif arch(arm64)
        XCTAssertFalse(GemmKernel.avx512.isAvailable)
        XCTAssertFalse(GemmKernel.avx2.isAvailable)
        XCTAssertTrue(GemmKernel.neon.isAvailable)
        let expected = GemmKernel.neon
        #else
        let expected = GemmKernel.portable
        #endif
        XCTAssertEqual(GemmKernel.automatic, expected)
        XCTAssertTrue(GemmKernel.portable.isAvailable && GemmKernel.openBLAS.isAvailable)
    }

    func testPipeGemmChoosesTheKernelOrFallsBackWithANote() {
        XCTAssertEqual(GemmKernel.choose(nil).kernel, GemmKernel.automatic)
        XCTAssertNil(GemmKernel.choose(nil).note)
        XCTAssertEqual(GemmKernel.choose("OpenBLAS").kernel, .openBLAS)
        XCTAssertEqual(GemmKernel.choose("portable").kernel, .portable)
        XCTAssertNil(GemmKernel.choose("portable").note)
        let unknown = GemmKernel.choose("avx1024")
        XCTAssertEqual(unknown.kernel, GemmKernel.automatic)
        XCTAssertEqual(unknown.note, "PIPE_GEMM=avx1024 is not a GEMM kernel (avx512, avx2, neon, portable, openblas); using \(GemmKernel.automatic.rawValue)")
        // Every CPU lacks either the x86 kernels or the NEON one.
        let missing = GemmKernel.allCases.first { !$0.isAvailable }!
        let refused = GemmKernel.choose(missing.rawValue)
        XCTAssertEqual(refused.kernel, GemmKernel.automatic)
        XCTAssertEqual(refused.note, "PIPE_GEMM=\(missing.rawValue): this CPU cannot run the \(missing.rawValue) kernel; using \(GemmKernel.automatic.rawValue)")
    }

    /// One of pipe's kernels: the reference on every case, NaN in C ignored with beta 0, and the same bits
    /// on 1, 2 and 3 threads whether the product is split into row bands or column bands.
    private func checkKernel(_ kernel: GemmKernel, file: StaticString = #filePath, line: UInt = #line) {
        for fixture in Self.fixtures { checkReference(kernel, fixture, file: file, line: line) }
        checkNaNIgnored(kernel, file: file, line: line)
        var random = TestRandom(seed: 7)
        for test in [Case(transposeA: false, transposeB: false, m: 301, n: 70, k: 600, alpha: 1, beta: 0),
                     Case(transposeA: true, transposeB: false, m: 30, n: 250, k: 700, alpha: 1, beta: 1),
                     Case(transposeA: false, transposeB: true, m: 20, n: 400, k: 300, alpha: 0.5, beta: 0)] {
            let a = random.array((test.transposeA ? test.k : test.m) * test.lda)
            let b = random.array((test.transposeB ? test.n : test.k) * test.ldb)
            let start = random.array(test.m * test.ldc)
            var single = start
            run(kernel, test, a, b, &single, threads: 1)
            for threads in [2, 3] {
                var multi = start
                run(kernel, test, a, b, &multi, threads: threads)
                XCTAssertTrue(single == multi, "\(kernel.rawValue): the same bits on 1 and \(threads) threads, m \(test.m) n \(test.n) k \(test.k)",
                              file: file, line: line)
            }
        }
    }

    private func checkReference(_ kernel: GemmKernel, _ fixture: Fixture, file: StaticString = #filePath, line: UInt = #line) {
        let test = fixture.test
        var c = fixture.start
        run(kernel, test, fixture.a, fixture.b, &c)
        var failures = 0
        for i in 0..<test.m {
            for j in 0..<test.ldc {
                let got = c[i * test.ldc + j]
                guard j < test.n else {
                    if got != fixture.start[i * test.ldc + j] { failures += 1 }
                    XCTAssertEqual(got, fixture.start[i * test.ldc + j], "\(kernel.rawValue) \(test): padding column \(j) written",
                                   file: file, line: line)
                    continue
                }
                let error = abs(Double(got) - fixture.expected[i * test.n + j]), bound = fixture.bounds[i * test.n + j]
                guard !(error <= bound) else { continue }
                failures += 1
                if failures <= 5 {
                    XCTFail("\(kernel.rawValue) \(test) C[\(i), \(j)] = \(got), expected \(fixture.expected[i * test.n + j]) ± \(bound)",
                            file: file, line: line)
                }
            }
        }
        XCTAssertEqual(failures, 0, "\(kernel.rawValue) \(test): elements off the reference", file: file, line: line)
    }

    private func checkNaNIgnored(_ kernel: GemmKernel, file: StaticString = #filePath, line: UInt = #line) {
        let test = Case(transposeA: false, transposeB: false, m: 20, n: 40, k: 300, alpha: 1, beta: 0)
        var random = TestRandom(seed: 6)
        let a = random.array(test.m * test.lda), b = random.array(test.k * test.ldb)
        var c = [Float](repeating: .nan, count: test.m * test.ldc)
        run(kernel, test, a, b, &c)
        let finite = (0..<test.m).allSatisfy { i in (0..<test.n).allSatisfy { c[i * test.ldc + $0].isFinite } }
        XCTAssertTrue(finite, "\(kernel.rawValue): beta 0 ignores NaN in C", file: file, line: line)
    }

    private func run(_ kernel: GemmKernel, _ test: Case, _ a: [Float], _ b: [Float], _ c: inout [Float], threads: Int? = nil) {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    kernel.run(transposeA: test.transposeA, transposeB: test.transposeB, m: test.m, n: test.n, k: test.k,
                               alpha: test.alpha, a: a.baseAddress!, lda: test.lda, b: b.baseAddress!, ldb: test.ldb,
                               beta: test.beta, c: c.baseAddress!, ldc: test.ldc, threads: threads)
                }
            }
        }
    }
}
