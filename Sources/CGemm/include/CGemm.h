#ifndef CGEMM_H
#define CGEMM_H

/// Whether this CPU runs the AVX-512 kernels of cgemm_sgemm (checked once, at run time).
int cgemm_supported(void);

/// Row-major C = alpha * op(A) * op(B) + beta * C on one thread, with AVX-512 register tiles.
/// op(A) is m x k, op(B) is k x n, C is m x n; lda, ldb and ldc are row strides.
/// Each element of C is summed over k in the same order whatever the caller's partition of m or n,
/// so splitting rows or columns across threads gives bit-identical results.
/// Returns 0, or -1 without touching C when its packing buffers cannot be allocated.
int cgemm_sgemm(int transA, int transB, long m, long n, long k, float alpha,
                const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc);

/// The register tile: callers splitting work across threads should cut m at multiples of this.
long cgemm_tile_rows(void);
long cgemm_tile_columns(void);

#endif
