import CGemm
import COpenBLAS
import Dispatch
import Foundation

/// Which SGEMM implementation `gemm` runs, chosen once per process.
public enum GemmKernel: String, Sendable {
    /// pipe's AVX-512 register-tile kernels (`CGemm`), on CPUs that have AVX-512F.
    case avx512
    /// OpenBLAS, with whatever core type it picked (`BLAS.coreName`).
    case openBLAS = "openblas"

    /// The AVX-512 kernels where the CPU has them, unless `PIPE_GEMM=openblas` asks for OpenBLAS.
    public static let current: GemmKernel = {
        if ProcessInfo.processInfo.environment["PIPE_GEMM"]?.lowercased() == "openblas" { return .openBLAS }
        return cgemm_supported() != 0 ? .avx512 : .openBLAS
    }()

    /// Runs one GEMM on the AVX-512 kernels, split into row (or column) bands across up to
    /// `openblas_get_num_threads()` threads; callers that already run in parallel set that to 1.
    static func run(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let threads = m * n * k < 1 << 20 ? 1 : Int(openblas_get_num_threads())
        let tileRows = cgemm_tile_rows(), tileColumns = cgemm_tile_columns()
        let rowTiles = (m + tileRows - 1) / tileRows, columnTiles = (n + tileColumns - 1) / tileColumns
        let splitRows = rowTiles >= columnTiles
        let bands = min(threads, splitRows ? rowTiles : columnTiles)
        if bands <= 1 {
            product(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        let tiles = splitRows ? rowTiles : columnTiles, step = splitRows ? tileRows : tileColumns
        let pointers = UncheckedSendable((a, b, c))
        DispatchQueue.concurrentPerform(iterations: bands) { band in
            let (a, b, c) = pointers.value
            let first = tiles * band / bands * step
            let last = min(tiles * (band + 1) / bands * step, splitRows ? m : n)
            guard last > first else { return }
            if splitRows {
                product(transposeA, transposeB, last - first, n, k, alpha, transposeA ? a + first : a + first * lda, lda,
                        b, ldb, beta, c + first * ldc, ldc)
            } else {
                product(transposeA, transposeB, m, last - first, k, alpha, a, lda,
                        transposeB ? b + first * ldb : b + first, ldb, beta, c + first, ldc)
            }
        }
    }

    /// One band on pipe's kernels, or on OpenBLAS when their packing buffers could not be allocated.
    private static func product(_ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int,
                                _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
                                _ b: UnsafePointer<Float>, _ ldb: Int, _ beta: Float,
                                _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        if cgemm_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) != 0 {
            openBLAS(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        }
    }

    /// The same product on OpenBLAS: on CPUs without AVX-512, with `PIPE_GEMM=openblas`, or when the
    /// kernels' packing buffers could not be allocated.
    static func openBLAS(_ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int,
                         _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
                         _ b: UnsafePointer<Float>, _ ldb: Int, _ beta: Float,
                         _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
