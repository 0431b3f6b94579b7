// AVX2 + FMA SGEMM for CPUs without AVX-512: B is packed into KC x NR column panels (a KC x NC block
// fits in L2), A is read in place (packed only when transposed); a 6 x 16 register tile (12 ymm
// accumulators, two for B, one broadcast of A) runs the inner product, each row tile of A staying in
// L1 while it meets every panel of the B block. A tile short of MR rows repeats its last row instead of
// taking a slower path, so every element of C goes through the same instructions.
#include "kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <stdlib.h>

#define MR 6
#define NR 16
#define KC 256
#define MC 120
#define NC 256

#define AVX2 __attribute__((target("avx2,fma")))
#define KERNEL AVX2

int cgemm_avx2_available(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0;
    }
    return cached;
}

long cgemm_avx2_tile_rows(void) { return MR; }
long cgemm_avx2_tile_columns(void) { return NR; }

static _Thread_local float *packed_a;
static _Thread_local float *packed_b;

static int ensure_buffers(void) {
    if (!packed_a) packed_a = aligned_alloc(32, sizeof(float) * (MC * KC + 8));
    if (!packed_b) packed_b = aligned_alloc(32, sizeof(float) * KC * NC);
    return packed_a && packed_b;
}

/// Packs op(B)[p0 ..< p0+kc, j0 ..< j0+nc] into NR-column panels: panel[k * NR + j], zero columns past nc.
AVX2 static void pack_b(float *dst, int trans, const float *b, long ldb, long p0, long kc, long j0, long nc) {
    for (long jp = 0; jp < nc; jp += NR) {
        long cols = nc - jp < NR ? nc - jp : NR;
        if (!trans && cols == NR) {
            const float *src = b + p0 * ldb + j0 + jp;
            for (long p = 0; p < kc; p++) {
                const float *s = src + p * ldb;
                _mm256_store_ps(dst + p * NR, _mm256_loadu_ps(s));
                _mm256_store_ps(dst + p * NR + 8, _mm256_loadu_ps(s + 8));
            }
        } else if (!trans) {
            const float *src = b + p0 * ldb + j0 + jp;
            for (long p = 0; p < kc; p++) {
                const float *s = src + p * ldb;
                float *d = dst + p * NR;
                long j = 0;
                for (; j < cols; j++) d[j] = s[j];
                for (; j < NR; j++) d[j] = 0;
            }
        } else {
            for (long j = 0; j < NR; j++) {
                float *d = dst + j;
                if (j >= cols) {
                    for (long p = 0; p < kc; p++) d[p * NR] = 0;
                    continue;
                }
                const float *s = b + (j0 + jp + j) * ldb + p0;
                for (long p = 0; p < kc; p++) d[p * NR] = s[p];
            }
        }
        dst += NR * kc;
    }
}

/// Lanes `0 ..< count` of a maskload/maskstore mask.
AVX2 static inline __m256i lane_mask(long count) {
    long clamped = count < 0 ? 0 : count > 8 ? 8 : count;
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)clamped), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/// C[0 ..< rows, 0 ..< cols] (=|+=) alpha * A B for one MR x NR tile over kc: row r of A starts at
/// a + r * rs and steps by `step` along k (in place: rs = lda, step 1; packed: rs = 1, step MR); B is
/// one packed panel. `first` applies beta; later kc blocks add. Rows past `rows` repeat the last row.
AVX2 static inline __attribute__((always_inline)) void
tile(long kc, const float *restrict a, long rs, const long step, const float *restrict b, float *c,
     long ldc, int first, float alpha, float beta, long rows, long cols) {
    const float *a0 = a, *a1 = a + (rows > 1 ? rs : 0), *a2 = a + (rows > 2 ? 2 * rs : 0);
    const float *a3 = a + (rows > 3 ? 3 * rs : 0), *a4 = a + (rows > 4 ? 4 * rs : 0);
    const float *a5 = a + (rows > 5 ? 5 * rs : 0);
    if (rows < 6) {
        const float *last = rows == 1 ? a0 : rows == 2 ? a1 : rows == 3 ? a2 : rows == 4 ? a3 : a4;
        if (rows < 2) a1 = last;
        if (rows < 3) a2 = last;
        if (rows < 4) a3 = last;
        if (rows < 5) a4 = last;
        a5 = last;
    }
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
#pragma clang loop unroll_count(4)
    for (long p = 0; p < kc; p++) {
        __m256 b0 = _mm256_load_ps(b + p * NR), b1 = _mm256_load_ps(b + p * NR + 8), x;
        x = _mm256_broadcast_ss(a0 + p * step); c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01);
        x = _mm256_broadcast_ss(a1 + p * step); c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11);
        x = _mm256_broadcast_ss(a2 + p * step); c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21);
        x = _mm256_broadcast_ss(a3 + p * step); c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31);
        x = _mm256_broadcast_ss(a4 + p * step); c40 = _mm256_fmadd_ps(x, b0, c40); c41 = _mm256_fmadd_ps(x, b1, c41);
        x = _mm256_broadcast_ss(a5 + p * step); c50 = _mm256_fmadd_ps(x, b0, c50); c51 = _mm256_fmadd_ps(x, b1, c51);
    }
    __m256 sums[2 * MR] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51};
    __m256i m0 = lane_mask(cols), m1 = lane_mask(cols - 8);
    int keep = !first || beta != 0, whole = cols == NR;
    __m256 scale = _mm256_set1_ps(first ? beta : 1.0f), gain = _mm256_set1_ps(alpha);
    for (long r = 0; r < rows; r++) {
        float *row = c + r * ldc;
        __m256 v0 = _mm256_mul_ps(gain, sums[2 * r]), v1 = _mm256_mul_ps(gain, sums[2 * r + 1]);
        if (whole) {
            if (keep) {
                v0 = _mm256_fmadd_ps(scale, _mm256_loadu_ps(row), v0);
                v1 = _mm256_fmadd_ps(scale, _mm256_loadu_ps(row + 8), v1);
            }
            _mm256_storeu_ps(row, v0);
            _mm256_storeu_ps(row + 8, v1);
        } else {
            if (keep) {
                v0 = _mm256_fmadd_ps(scale, _mm256_maskload_ps(row, m0), v0);
                v1 = _mm256_fmadd_ps(scale, _mm256_maskload_ps(row + 8, m1), v1);
            }
            _mm256_maskstore_ps(row, m0, v0);
            _mm256_maskstore_ps(row + 8, m1, v1);
        }
    }
}

#include "panel_driver.h"

int cgemm_avx2_sgemm(int transA, int transB, long m, long n, long k, float alpha,
                     const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc,
                     const cgemm_options *options) {
    return panel_sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, options);
}

void cgemm_avx2_pack_b(int transB, long k, long n, const float *b, long ldb, float *packed) {
    pack_whole_b(transB, k, n, b, ldb, packed);
}
#else
CGEMM_UNAVAILABLE(avx2)
#endif
