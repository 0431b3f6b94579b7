/// Row-major single-precision matrix multiply: `C = alpha * op(A) * op(B) + beta * C`.
///
/// Shapes: `op(A)` is `m x k`, `op(B)` is `k x n`, `C` is `m x n`; `lda`, `ldb`, `ldc` are the row
/// strides of the stored matrices, which lets GEMMs read channel slices of wider NHWC buffers.
/// Runs on `GemmKernel.current`: pipe's own kernels (`CGemm`) by default, which split only `m` or `n`
/// across threads, so results do not depend on the thread count; with `PIPE_GEMM=openblas`, OpenBLAS,
/// whose results across thread counts agree only up to rounding.
@inline(__always)
func gemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
          alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
          beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    GemmKernel.current.run(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                           a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
}

/// `gemm` (A and B not transposed) reading B from `packedB` when it was packed (on pipe's kernels), else from `b`.
@inline(__always)
func gemm(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
          packedB: PackedOperand?, beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    if let packedB, packedB.kernel.runInRowBands(m: m, n: n, k: k, a: a, lda: lda, normalization: nil, b: b, ldb: ldb,
                                                 packedB: packedB, beta: beta, c: c, ldc: ldc) {
        return
    }
    gemm(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
}

/// Column sums of a `rows x columns` matrix with row stride `stride`, written to `sums` (length `columns`).
///
/// Partial sums are taken in Double over fixed row chunks and combined in chunk order, so the
/// result is the same for any number of threads.
func columnSums(_ sums: UnsafeMutablePointer<Float>, _ matrix: UnsafePointer<Float>,
                rows: Int, columns: Int, stride: Int, accumulate: Bool = false) {
    let chunks = Parallel.chunks(count: rows, grain: max(1, 16_384 / max(columns, 1)), maxChunks: 32)
    var partials = [Double](repeating: 0, count: max(chunks.count, 1) * columns)
    partials.withUnsafeMutableBufferPointer { buffer in
        let partial = buffer.baseAddress!
        Parallel.forEachChunk(count: rows, grain: max(1, 16_384 / max(columns, 1)), maxChunks: 32) { index, range in
            let out = partial + index * columns
            for row in range {
                let source = matrix + row * stride
                for column in 0..<columns { out[column] += Double(source[column]) }
            }
        }
        for column in 0..<columns {
            var total = 0.0
            for index in 0..<chunks.count { total += partial[index * columns + column] }
            sums[column] = accumulate ? sums[column] + Float(total) : Float(total)
        }
    }
}
