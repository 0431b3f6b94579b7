#ifndef CGEMM_KERNELS_H
#define CGEMM_KERNELS_H

#include "CGemm.h"

// One set per kernel; files for other CPUs define them as unavailable stubs.
#define CGEMM_DECLARE(name)                                                                          \
    int cgemm_##name##_available(void);                                                              \
    long cgemm_##name##_tile_rows(void);                                                             \
    long cgemm_##name##_tile_columns(void);                                                          \
    int cgemm_##name##_sgemm(int transA, int transB, long m, long n, long k, float alpha,            \
                             const float *a, long lda, const float *b, long ldb, float beta,         \
                             float *c, long ldc, const cgemm_options *options);                      \
    void cgemm_##name##_pack_b(int transB, long k, long n, const float *b, long ldb, float *packed);

CGEMM_DECLARE(avx512)
CGEMM_DECLARE(avx2)
CGEMM_DECLARE(portable)
CGEMM_DECLARE(neon)

/// Defines the kernel set `name` as unavailable, for CPUs it cannot run on.
#define CGEMM_UNAVAILABLE(name)                                                                      \
    int cgemm_##name##_available(void) { return 0; }                                                 \
    long cgemm_##name##_tile_rows(void) { return 1; }                                                \
    long cgemm_##name##_tile_columns(void) { return 1; }                                             \
    int cgemm_##name##_sgemm(int transA, int transB, long m, long n, long k, float alpha,           \
                             const float *a, long lda, const float *b, long ldb, float beta,         \
                             float *c, long ldc, const cgemm_options *options) {                     \
        (void)options; (void)transA; (void)transB; (void)m; (void)n; (void)k; (void)alpha; (void)a; (void)lda;      \
        (void)b; (void)ldb; (void)beta; (void)c; (void)ldc;                                          \
        return -1;                                                                                   \
    }                                                                                                \
    void cgemm_##name##_pack_b(int transB, long k, long n, const float *b, long ldb, float *packed) { \
        (void)transB; (void)k; (void)n; (void)b; (void)ldb; (void)packed;                            \
    }

#endif
