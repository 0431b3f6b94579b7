// NEON SGEMM for aarch64, laid out like the AVX2 kernel: B packed into KC x NR column panels, A read in
// place (packed only when transposed), a 6 x 16 register tile (24 of the 32 q registers accumulate,
// four hold B, one a broadcast of A). Tiles short of MR rows repeat their last row, and tiles short of
// NR columns go through a scratch row, so every element of C takes the same instructions.
// Only <arm_neon.h> is included, so the file also compiles, freestanding, on hosts without an aarch64
// C library (the test of this file on x86 does that).
#include "kernels.h"

#if defined(__aarch64__)
#include <arm_neon.h>

#define MR 6
#define NR 16
#define KC 256
#define MC 120
#define NC 256
#define KERNEL

int cgemm_neon_available(void) { return 1; }
long cgemm_neon_tile_rows(void) { return MR; }
long cgemm_neon_tile_columns(void) { return NR; }

static _Thread_local float *packed_a;
static _Thread_local float *packed_b;

static int ensure_buffers(void) {
    if (!packed_a) packed_a = __builtin_malloc(sizeof(float) * MC * KC);
    if (!packed_b) packed_b = __builtin_malloc(sizeof(float) * KC * NC);
    return packed_a && packed_b;
}

/// Packs op(B)[p0 ..< p0+kc, j0 ..< j0+nc] into NR-column panels: panel[k * NR + j], zero columns past nc.
static void pack_b(float *dst, int trans, const float *b, long ldb, long p0, long kc, long j0, long nc) {
    for (long jp = 0; jp < nc; jp += NR) {
        long cols = nc - jp < NR ? nc - jp : NR;
        for (long p = 0; p < kc; p++) {
            float *d = dst + p * NR;
            long j = 0;
            if (trans)
                for (; j < cols; j++) d[j] = b[(j0 + jp + j) * ldb + p0 + p];
            else if (cols == NR)
                for (; j < NR; j += 4) vst1q_f32(d + j, vld1q_f32(b + (p0 + p) * ldb + j0 + jp + j));
            else
                for (; j < cols; j++) d[j] = b[(p0 + p) * ldb + j0 + jp + j];
            for (; j < NR; j++) d[j] = 0;
        }
        dst += NR * kc;
    }
}

/// C[0 ..< rows, 0 ..< cols] (=|+=) alpha * A B for one MR x NR tile over kc: row r of A starts at
/// a + r * rs and steps by `step` along k; B is one packed panel. `first` applies beta; later kc blocks
/// add. Rows past `rows` repeat the last row.
static inline __attribute__((always_inline)) void
tile(long kc, const float *restrict a, long rs, const long step, const float *restrict b, float *c, long ldc,
     int first, float alpha, float beta, long rows, long cols) {
    const float *row_a[MR];
    for (int r = 0; r < MR; r++) row_a[r] = a + (r < rows ? r : rows - 1) * rs;
    float32x4_t sums[MR][4];
    for (int r = 0; r < MR; r++)
        for (int v = 0; v < 4; v++) sums[r][v] = vdupq_n_f32(0);
    for (long p = 0; p < kc; p++) {
        float32x4_t b0 = vld1q_f32(b + p * NR), b1 = vld1q_f32(b + p * NR + 4);
        float32x4_t b2 = vld1q_f32(b + p * NR + 8), b3 = vld1q_f32(b + p * NR + 12);
        for (int r = 0; r < MR; r++) {
            float32x4_t x = vld1q_dup_f32(row_a[r] + p * step);
            sums[r][0] = vfmaq_f32(sums[r][0], x, b0);
            sums[r][1] = vfmaq_f32(sums[r][1], x, b1);
            sums[r][2] = vfmaq_f32(sums[r][2], x, b2);
            sums[r][3] = vfmaq_f32(sums[r][3], x, b3);
        }
    }
    int keep = !first || beta != 0;
    float32x4_t scale = vdupq_n_f32(first ? beta : 1.0f), gain = vdupq_n_f32(alpha);
    for (long r = 0; r < rows; r++) {
        float scratch[NR], *row = cols == NR ? c + r * ldc : scratch;
        if (cols < NR)
            for (long j = 0; j < NR; j++) scratch[j] = keep && j < cols ? c[r * ldc + j] : 0;
        for (int v = 0; v < 4; v++) {
            float32x4_t value = vmulq_f32(gain, sums[r][v]);
            if (keep) value = vfmaq_f32(value, scale, vld1q_f32(row + 4 * v));
            vst1q_f32(row + 4 * v, value);
        }
        if (cols < NR)
            for (long j = 0; j < cols; j++) c[r * ldc + j] = scratch[j];
    }
}

#include "panel_driver.h"

int cgemm_neon_sgemm(int transA, int transB, long m, long n, long k, float alpha,
                     const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc,
                     const cgemm_options *options) {
    return panel_sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, options);
}

void cgemm_neon_pack_b(int transB, long k, long n, const float *b, long ldb, float *packed) {
    pack_whole_b(transB, k, n, b, ldb, packed);
}
#else
CGEMM_UNAVAILABLE(neon)
#endif
