#ifndef CGEMM_H
#define CGEMM_H

/// pipe's own SGEMM kernels, named by these numbers (`GemmKernel` in Swift lists the same).
#define CGEMM_AVX512 0
#define CGEMM_AVX2 1
#define CGEMM_PORTABLE 2
#define CGEMM_NEON 3

/// Whether this CPU runs `kernel` (checked once, at run time); 0 for unknown numbers.
int cgemm_available(int kernel);

/// Whether the AVX2 kernel should be chosen before the AVX-512 one: on AMD CPUs, which run 512-bit
/// instructions as two 256-bit halves, it ran model forwards 13-30 % faster (Zen 4, 2026-12-01).
int cgemm_prefers_avx2(void);

/// Row-major C = alpha * op(A) * op(B) + beta * C on one thread with `kernel`.
/// op(A) is m x k, op(B) is k x n, C is m x n; lda, ldb and ldc are row strides.
/// Each element of C is summed over k in the same order whatever the caller's partition of m or n,
/// so splitting rows or columns across threads gives bit-identical results.
/// Returns 0, or -1 without touching C when the kernel is unavailable or its packing buffers cannot
/// be allocated.
int cgemm_sgemm(int kernel, int transA, int transB, long m, long n, long k, float alpha,
                const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc);

/// A batch norm and ReLU applied to A's columns as the GEMM reads them (`cgemm_options.norm`):
/// A'[i][p] = max((A[i][p] - mean[p]) * scale[p] + shift[p], 0), each step rounded on its own and NaN
/// becoming 0, exactly as a separate pass writing A' would compute it. Each array holds k floats.
typedef struct {
    const float *mean, *scale, *shift;
} cgemm_normalization;

/// What `cgemm_sgemm_with` does beyond `cgemm_sgemm`; a NULL field changes nothing.
typedef struct {
    /// A' instead of A (A not transposed).
    const cgemm_normalization *norm;
    /// op(B) packed by `cgemm_pack_b` on the same kernel, read instead of b, ldb and transB: a matrix
    /// multiplied with many A (a layer's weights over row blocks) is then packed once.
    const float *packed_b;
} cgemm_options;

/// `cgemm_sgemm` with `options` (may be NULL); the same bits as `cgemm_sgemm` on the normalized A.
int cgemm_sgemm_with(int kernel, int transA, int transB, long m, long n, long k, float alpha, const float *a,
                     long lda, const float *b, long ldb, float beta, float *c, long ldc, const cgemm_options *options);

/// Floats `cgemm_pack_b` writes for a k x n op(B) on `kernel`.
long cgemm_packed_b_size(int kernel, long k, long n);

/// Packs the k x n op(B) for `cgemm_options.packed_b` into `packed` (`cgemm_packed_b_size` floats, 64-byte
/// aligned). Returns 0, or -1 when the kernel is unavailable.
int cgemm_pack_b(int kernel, int transB, long k, long n, const float *b, long ldb, float *packed);

/// The kernel's register tile: callers splitting work across threads should cut m (n) at multiples
/// of these.
long cgemm_tile_rows(int kernel);
long cgemm_tile_columns(int kernel);

#endif
