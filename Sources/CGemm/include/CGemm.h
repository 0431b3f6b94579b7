#ifndef CGEMM_H
#define CGEMM_H

/// pipe's own SGEMM kernels, named by these numbers (`GemmKernel` in Swift lists the same).
#define CGEMM_AVX512 0
#define CGEMM_AVX2 1
#define CGEMM_PORTABLE 2
#define CGEMM_NEON 3

/// Whether this CPU runs `kernel` (checked once, at run time); 0 for unknown numbers.
int cgemm_available(int kernel);

/// Row-major C = alpha * op(A) * op(B) + beta * C on one thread with `kernel`.
/// op(A) is m x k, op(B) is k x n, C is m x n; lda, ldb and ldc are row strides.
/// Each element of C is summed over k in the same order whatever the caller's partition of m or n,
/// so splitting rows or columns across threads gives bit-identical results.
/// Returns 0, or -1 without touching C when the kernel is unavailable or its packing buffers cannot
/// be allocated.
int cgemm_sgemm(int kernel, int transA, int transB, long m, long n, long k, float alpha,
                const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc);

/// A batch norm and ReLU applied to A's columns as the GEMM reads them (`cgemm_sgemm_normalized`):
/// A'[i][p] = max((A[i][p] - mean[p]) * scale[p] + shift[p], 0), each step rounded on its own and NaN
/// becoming 0, exactly as a separate pass writing A' would compute it. Each array holds k floats.
typedef struct {
    const float *mean, *scale, *shift;
} cgemm_normalization;

/// C = A' B (A' as above, A and B not transposed, C overwritten) on one thread with `kernel`, without
/// writing A' anywhere but the kernel's cache-sized blocks; the same bits as `cgemm_sgemm` on A'.
/// Returns as `cgemm_sgemm` does.
int cgemm_sgemm_normalized(int kernel, long m, long n, long k, const float *a, long lda,
                           const cgemm_normalization *norm, const float *b, long ldb, float *c, long ldc);

/// The kernel's register tile: callers splitting work across threads should cut m (n) at multiples
/// of these.
long cgemm_tile_rows(int kernel);
long cgemm_tile_columns(int kernel);

#endif
