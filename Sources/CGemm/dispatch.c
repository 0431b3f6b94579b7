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

int cgemm_prefers_avx2(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_is("amd") && cgemm_avx2_available();
#else
    return 0;
#endif
}

int cgemm_sgemm(int kernel, int transA, int transB, long m, long n, long k, float alpha,
                const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc) {
    return cgemm_sgemm_with(kernel, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, 0);
}

int cgemm_sgemm_with(int kernel, int transA, int transB, long m, long n, long k, float alpha, const float *a,
                     long lda, const float *b, long ldb, float beta, float *c, long ldc, const cgemm_options *options) {
    if (!cgemm_available(kernel) || (options && options->norm && transA)) return -1;
    switch (kernel) {
    case CGEMM_AVX512: return cgemm_avx512_sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, options);
    case CGEMM_AVX2: return cgemm_avx2_sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, options);
    case CGEMM_PORTABLE: return cgemm_portable_sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, options);
    case CGEMM_NEON: return cgemm_neon_sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, options);
    default: return -1;
    }
}

long cgemm_packed_b_size(int kernel, long k, long n) {
    long columns = cgemm_tile_columns(kernel);
    return (n + columns - 1) / columns * columns * k;
}

int cgemm_pack_b(int kernel, int transB, long k, long n, const float *b, long ldb, float *packed) {
    if (!cgemm_available(kernel)) return -1;
    switch (kernel) {
    case CGEMM_AVX512: cgemm_avx512_pack_b(transB, k, n, b, ldb, packed); return 0;
    case CGEMM_AVX2: cgemm_avx2_pack_b(transB, k, n, b, ldb, packed); return 0;
    case CGEMM_PORTABLE: cgemm_portable_pack_b(transB, k, n, b, ldb, packed); return 0;
    case CGEMM_NEON: cgemm_neon_pack_b(transB, k, n, b, ldb, packed); return 0;
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
