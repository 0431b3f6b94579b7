import CGemm
import COpenBLAS

/// Products on pipe's kernels beyond `run`: A read through a batch norm, B packed once (`PackedOperand`).
extension GemmKernel {
    /// `C = relu((A - mean) * scale + shift) B` (per column of A; A `m x k`, B `k x n`, C overwritten), with the
    /// same bits as a batch-norm pass writing the normalized A followed by `run`, but reading A only once.
    /// Returns false, leaving C untouched, on a kernel that cannot (`normalizesWhileReading`).
    public func runNormalized(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, mean: UnsafePointer<Float>,
                              scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, b: UnsafePointer<Float>,
                              ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int = 1) -> Bool {
        runInRowBands(m: m, n: n, k: k, a: a, lda: lda, normalization: BatchNormReading(mean: mean, scale: scale, shift: shift),
                      b: b, ldb: ldb, packedB: nil, c: c, ldc: ldc, threads: threads)
    }

    /// `C = A B + beta C` (A normalized as it is read when `normalization` is given) on pipe's kernels, rows
    /// split into bands of whole tiles across `threads` (`run`'s default when nil), B read from `packedB` when
    /// given (packed for this kernel from `b`). False, leaving C untouched, on OpenBLAS. A band whose buffers
    /// cannot be allocated runs on OpenBLAS, or, with `normalization` (where beta must be 0), makes the result
    /// false for the caller to compute C another way.
    func runInRowBands(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, normalization: BatchNormReading?,
                       b: UnsafePointer<Float>, ldb: Int, packedB: PackedOperand?, beta: Float = 0,
                       c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int? = nil) -> Bool {
        guard let code, isAvailable, k > 0, packedB.map({ $0.kernel == self && $0.k == k && $0.n == n }) ?? true,
              normalization == nil || beta == 0 else { return false }
        guard m > 0, n > 0 else { return true }
        let threads = threads ?? (m * n * k < 1 << 20 ? 1 : Int(openblas_get_num_threads()))
        let tileRows = cgemm_tile_rows(code), rowTiles = (m + tileRows - 1) / tileRows
        let bands = max(1, min(threads, rowTiles))
        let pointers = UncheckedSendable((a, b, c))
        var norm = normalization.map { cgemm_normalization(mean: $0.mean, scale: $0.scale, shift: $0.shift) } ?? cgemm_normalization()
        return withUnsafePointer(to: &norm) { norm in
            let options = UncheckedSendable(cgemm_options(norm: normalization == nil ? nil : norm, packed_b: packedB?.pointer))
            let band = { @Sendable (band: Int) -> Bool in
                let (a, b, c) = pointers.value
                var options = options.value
                let first = rowTiles * band / bands * tileRows, last = min(rowTiles * (band + 1) / bands * tileRows, m)
                guard last > first else { return true }
                if cgemm_sgemm_with(code, 0, 0, last - first, n, k, 1, a + first * lda, lda, b, ldb, beta, c + first * ldc,
                                    ldc, &options) == 0 {
                    return true
                }
                guard options.norm == nil else { return false }
                Self.openBLAS(false, false, last - first, n, k, 1, a + first * lda, lda, b, ldb, beta, c + first * ldc, ldc)
                return true
            }
            return bands == 1 ? band(0) : !Parallel.map(bands, band).contains(false)
        }
    }
}
