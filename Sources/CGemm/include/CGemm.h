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

/// The kernel's register tile: callers splitting work across threads should cut m (n) at multiples
/// of these.
long cgemm_tile_rows(int kernel);
long cgemm_tile_columns(int kernel);

#endif
