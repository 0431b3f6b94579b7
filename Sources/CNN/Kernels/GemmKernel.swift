import CGemm
import COpenBLAS
import Dispatch
import Foundation

/// Which SGEMM implementation `gemm` runs, chosen once per process.
///
/// pipe's own kernels (`CGemm`: every case but `openBLAS`) split a product only into bands of whole
/// register tiles along m or n and sum each element over k in a fixed order, so they give the same
/// bits for any thread count; OpenBLAS agrees across thread counts only up to rounding.
public enum GemmKernel: String, Sendable, CaseIterable {
    /// AVX-512F register tiles (14 x 32), on CPUs that have AVX-512F.
    case avx512
    /// AVX2 + FMA register tiles (6 x 16), on x86-64 CPUs that have both.
    case avx2
    /// NEON register tiles, on aarch64.
    case neon
    /// Plain C loops, blocked like the SIMD kernels, on any CPU.
    case portable
    /// OpenBLAS, with whatever core type it picked (`BLAS.coreName`).
    case openBLAS = "openblas"

    /// The kernel `PIPE_GEMM` names (`avx512`, `avx2`, `neon`, `portable` or `openblas`), else the
    /// best available one (`automatic`).
    ///
    /// A named kernel this CPU cannot run, or an unknown name, falls back to `automatic` with a note on
    /// standard error the first time a GEMM runs, rather than stopping a run that would still work.
    public static let current: GemmKernel = {
        let choice = choose(ProcessInfo.processInfo.environment["PIPE_GEMM"])
        if let note = choice.note { FileHandle.standardError.write(Data("pipe: \(note)\n".utf8)) }
        return choice.kernel
    }()

    /// The fastest of pipe's kernels this CPU runs: AVX-512, else AVX2 + FMA, else NEON, else the
    /// portable C kernel; on AMD CPUs AVX2 before AVX-512 (they split 512-bit instructions in two, and
    /// the AVX2 kernel ran ResNet50's forward 13 % and DenseNet201's 12 % faster on a Zen 4).
    /// Where no SIMD kernel applies the portable one is preferred over OpenBLAS, although slower,
    /// because the rest of pipe promises results that do not depend on the core count.
    public static var automatic: GemmKernel {
        let order: [GemmKernel] = cgemm_prefers_avx2() != 0 ? [.avx2, .avx512, .neon] : [.avx512, .avx2, .neon]
        return order.first(where: \.isAvailable) ?? .portable
    }

    /// Every kernel this CPU runs, OpenBLAS included.
    public static var available: [GemmKernel] { allCases.filter(\.isAvailable) }

    /// The kernel a `PIPE_GEMM` value asks for, and a note when it cannot be honoured.
    static func choose(_ request: String?) -> (kernel: GemmKernel, note: String?) {
        guard let request, !request.isEmpty else { return (automatic, nil) }
        let names = allCases.map(\.rawValue).joined(separator: ", ")
        guard let kernel = GemmKernel(rawValue: request.lowercased()) else {
            return (automatic, "PIPE_GEMM=\(request) is not a GEMM kernel (\(names)); using \(automatic.rawValue)")
        }
        guard kernel.isAvailable else {
            return (automatic, "PIPE_GEMM=\(request): this CPU cannot run the \(kernel.rawValue) kernel; using \(automatic.rawValue)")
        }
        return (kernel, nil)
    }

    /// Whether this CPU runs the kernel.
    public var isAvailable: Bool {
        guard let code else { return true }
        return cgemm_available(code) != 0
    }

    /// The kernel's number in `CGemm`, nil for OpenBLAS.
    var code: Int32? {
        switch self {
        case .avx512: CGEMM_AVX512
        case .avx2: CGEMM_AVX2
        case .neon: CGEMM_NEON
        case .portable: CGEMM_PORTABLE
        case .openBLAS: nil
        }
    }

    /// Runs one GEMM (`gemm`'s arguments) on this kernel. pipe's kernels split it into row (or column)
    /// bands across `threads` threads, by default one for small products and `openblas_get_num_threads()`
    /// otherwise, which callers that already run in parallel set to 1; OpenBLAS threads itself.
    /// A kernel this CPU cannot run hands the product to OpenBLAS.
    public func run(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
                    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int? = nil) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            for row in 0..<m {
                let target = c + row * ldc
                if beta == 0 { target.update(repeating: 0, count: n) } else { for j in 0..<n { target[j] *= beta } }
            }
            return
        }
        guard let code, isAvailable else {
            Self.openBLAS(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        let threads = threads ?? (m * n * k < 1 << 20 ? 1 : Int(openblas_get_num_threads()))
        let tileRows = cgemm_tile_rows(code), tileColumns = cgemm_tile_columns(code)
        let rowTiles = (m + tileRows - 1) / tileRows, columnTiles = (n + tileColumns - 1) / tileColumns
        let splitRows = rowTiles >= columnTiles
        let bands = min(threads, splitRows ? rowTiles : columnTiles)
        if bands <= 1 {
            Self.product(code, transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
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
                Self.product(code, transposeA, transposeB, last - first, n, k, alpha,
                             transposeA ? a + first : a + first * lda, lda, b, ldb, beta, c + first * ldc, ldc)
            } else {
                Self.product(code, transposeA, transposeB, m, last - first, k, alpha, a, lda,
                             transposeB ? b + first * ldb : b + first, ldb, beta, c + first, ldc)
            }
        }
    }

    /// Whether `runNormalized` reads A through a batch norm itself (pipe's kernels) rather than leaving the
    /// normalized A to the caller (OpenBLAS).
    public var normalizesWhileReading: Bool { code != nil && isAvailable }

    /// One band on one of pipe's kernels, or on OpenBLAS when its packing buffers could not be allocated.
    private static func product(_ code: Int32, _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int,
                                _ k: Int, _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
                                _ b: UnsafePointer<Float>, _ ldb: Int, _ beta: Float,
                                _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        if cgemm_sgemm(code, transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) != 0 {
            openBLAS(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        }
    }

    static func openBLAS(_ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int,
                                 _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
                                 _ b: UnsafePointer<Float>, _ ldb: Int, _ beta: Float,
                                 _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
