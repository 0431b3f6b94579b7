// Routes the public entry points to one kernel set by number.
#include "CGemm.h"
#include "kernels.h"

int cgemm_available(int kernel) {
    switch (kernel) {
    case CGEMM_AVX512: return cgemm_avx512_available();
    case CGEMM_AVX2: return cgemm_avx2_available();
    case CGEMM_PORTABLE: return cgemm_portable_available();
    case CGEMM_NEON: return cgemm_neon_available();
    default: return 0;
    }
}

int cgemm_sgemm(int kernel, int transA, int transB, long m, long n, long k, float alpha,
                const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc) {
    if (!cgemm_available(kernel)) return -1;
    switch (kernel) {
    case CGEMM_AVX512: return cgemm_avx512_sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, 0);
    case CGEMM_AVX2: return cgemm_avx2_sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, 0);
    case CGEMM_PORTABLE: return cgemm_portable_sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, 0);
    case CGEMM_NEON: return cgemm_neon_sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, 0);
    default: return -1;
    }
}

int cgemm_sgemm_normalized(int kernel, long m, long n, long k, const float *a, long lda,
                           const cgemm_normalization *norm, const float *b, long ldb, float *c, long ldc) {
    if (!cgemm_available(kernel) || !norm) return -1;
    switch (kernel) {
    case CGEMM_AVX512: return cgemm_avx512_sgemm(0, 0, m, n, k, 1, a, lda, b, ldb, 0, c, ldc, norm);
    case CGEMM_AVX2: return cgemm_avx2_sgemm(0, 0, m, n, k, 1, a, lda, b, ldb, 0, c, ldc, norm);
    case CGEMM_PORTABLE: return cgemm_portable_sgemm(0, 0, m, n, k, 1, a, lda, b, ldb, 0, c, ldc, norm);
    case CGEMM_NEON: return cgemm_neon_sgemm(0, 0, m, n, k, 1, a, lda, b, ldb, 0, c, ldc, norm);
    default: return -1;
    }
}

long cgemm_tile_rows(int kernel) {
    switch (kernel) {
    case CGEMM_AVX512: return cgemm_avx512_tile_rows();
    case CGEMM_AVX2: return cgemm_avx2_tile_rows();
    case CGEMM_PORTABLE: return cgemm_portable_tile_rows();
    case CGEMM_NEON: return cgemm_neon_tile_rows();
    default: return 1;
    }
}

long cgemm_tile_columns(int kernel) {
    switch (kernel) {
    case CGEMM_AVX512: return cgemm_avx512_tile_columns();
    case CGEMM_AVX2: return cgemm_avx2_tile_columns();
    case CGEMM_PORTABLE: return cgemm_portable_tile_columns();
    case CGEMM_NEON: return cgemm_neon_tile_columns();
    default: return 1;
    }
}
