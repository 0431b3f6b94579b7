// AVX-512 SGEMM: B is packed into KC x NR column panels; A is read in place, since packing it cost more
// than it saved at the shapes of convolutions; an MR x NR register tile (14 x 32 floats, 28 zmm
// accumulators) runs the inner product.
#include "kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#define MR 14
#define NR 32
#define KC 256
#define MC 168
#define NC 1024

#define AVX512 __attribute__((target("avx512f")))
#define KERNEL AVX512
#include "normalize.h"

int cgemm_avx512_available(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx512f") ? 1 : 0;
    }
    return cached;
}

long cgemm_avx512_tile_rows(void) { return MR; }
long cgemm_avx512_tile_columns(void) { return NR; }

static _Thread_local float *packed_a;
static _Thread_local float *packed_b;

static int ensure_buffers(void) {
    if (!packed_a) packed_a = aligned_alloc(64, sizeof(float) * (MC * KC + 16));
    if (!packed_b) packed_b = aligned_alloc(64, sizeof(float) * KC * NC);
    return packed_a && packed_b;
}

/// Packs A^T[i0 ..< i0+mc, p0 ..< p0+kc] (A stored k x m) into MR-row panels, panel[p * MR + r], zero rows
/// past mc: read in place, each step of p would touch a new cache line.
AVX512 static void pack_transposed_a(float *dst, const float *a, long lda, long i0, long mc, long p0, long kc) {
    for (long ip = 0; ip < mc; ip += MR) {
        long rows = mc - ip < MR ? mc - ip : MR;
        __mmask16 mask = (__mmask16)((1u << rows) - 1);
        const float *src = a + p0 * lda + i0 + ip;
        for (long p = 0; p < kc; p++)
            _mm512_mask_storeu_ps(dst + p * MR, 0x3FFF, _mm512_maskz_loadu_ps(mask, src + p * lda));
        dst += MR * kc;
    }
}

/// Packs op(B)[p0 ..< p0+kc, j0 ..< j0+nc] into NR-column panels: panel[k * NR + j], zero columns past nc.
AVX512 static void pack_b(float *dst, int trans, const float *b, long ldb, long p0, long kc, long j0, long nc) {
    for (long jp = 0; jp < nc; jp += NR) {
        long cols = nc - jp < NR ? nc - jp : NR;
        if (!trans) {
            const float *src = b + p0 * ldb + j0 + jp;
            if (cols == NR) {
                for (long p = 0; p < kc; p++) {
                    const float *s = src + p * ldb;
                    _mm512_store_ps(dst + p * NR, _mm512_loadu_ps(s));
                    _mm512_store_ps(dst + p * NR + 16, _mm512_loadu_ps(s + 16));
                }
            } else {
                for (long p = 0; p < kc; p++) {
                    const float *s = src + p * ldb;
                    float *d = dst + p * NR;
                    long j = 0;
                    for (; j < cols; j++) d[j] = s[j];
                    for (; j < NR; j++) d[j] = 0;
                }
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

static inline __mmask16 lane_mask(long count) {
    if (count >= 16) return 0xFFFF;
    if (count <= 0) return 0;
    return (__mmask16)((1u << count) - 1);
}

/// C[0 ..< rows, 0 ..< cols] (=|+=) alpha * A B for one MR x NR tile over kc, A read in place (element
/// (r, p) at a[r * rs + p * ps]) and B from one packed panel. `first` applies beta; later kc blocks add.
AVX512 static void kernel(long kc, const float *restrict a, long rs, long ps, const float *restrict b,
                          float *c, long ldc, int first, float alpha, float beta, long rows, long cols) {
    __m512 lo[MR], hi[MR];
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++) { lo[r] = _mm512_setzero_ps(); hi[r] = _mm512_setzero_ps(); }
    if (rows == MR) {
        for (long p = 0; p < kc; p++) {
            __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
#pragma clang loop unroll(full)
            for (int r = 0; r < MR; r++) {
                __m512 ar = _mm512_set1_ps(a[r * rs + p * ps]);
                lo[r] = _mm512_fmadd_ps(ar, b0, lo[r]);
                hi[r] = _mm512_fmadd_ps(ar, b1, hi[r]);
            }
            b += NR;
        }
    } else {
        for (long p = 0; p < kc; p++) {
            __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
            for (int r = 0; r < rows; r++) {
                __m512 ar = _mm512_set1_ps(a[r * rs + p * ps]);
                lo[r] = _mm512_fmadd_ps(ar, b0, lo[r]);
                hi[r] = _mm512_fmadd_ps(ar, b1, hi[r]);
            }
            b += NR;
        }
    }
    __mmask16 m0 = lane_mask(cols), m1 = lane_mask(cols - 16);
    int keep = !first || beta != 0;
    __m512 scale = _mm512_set1_ps(first ? beta : 1.0f), gain = _mm512_set1_ps(alpha);
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++) {
        if (r >= rows) break;
        float *row = c + r * ldc;
        __m512 v0 = _mm512_mul_ps(gain, lo[r]), v1 = _mm512_mul_ps(gain, hi[r]);
        if (keep) {
            v0 = _mm512_fmadd_ps(scale, _mm512_maskz_loadu_ps(m0, row), v0);
            v1 = _mm512_fmadd_ps(scale, _mm512_maskz_loadu_ps(m1, row + 16), v1);
        }
        _mm512_mask_storeu_ps(row, m0, v0);
        _mm512_mask_storeu_ps(row + 16, m1, v1);
    }
}

#include "whole_b.h"

void cgemm_avx512_pack_b(int transB, long k, long n, const float *b, long ldb, float *packed) {
    pack_whole_b(transB, k, n, b, ldb, packed);
}

int cgemm_avx512_sgemm(int transA, int transB, long m, long n, long k, float alpha,
                const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc,
                const cgemm_options *options) {
    const cgemm_normalization *norm = options ? options->norm : 0;
    if (m <= 0 || n <= 0 || k <= 0) return 0;
    if (!ensure_buffers()) return -1;
    long rs = transA ? 1 : lda, ps = transA ? MR : 1;
    for (long jc = 0; jc < n; jc += NC) {
        long nc = n - jc < NC ? n - jc : NC;
        for (long pc = 0; pc < k; pc += KC) {
            long kc = k - pc < KC ? k - pc : KC;
            const float *block = b_block(options, packed_b, transB, b, ldb, k, pc, kc, jc, nc);
            for (long ic = 0; ic < m; ic += MC) {
                long mc = m - ic < MC ? m - ic : MC;
                if (transA) pack_transposed_a(packed_a, a, lda, ic, mc, pc, kc);
                else if (norm) normalize_block(packed_a, a + ic * lda, lda, mc, pc, kc, norm);
                for (long jr = 0; jr < nc; jr += NR) {
                    const float *bp = block + (jr / NR) * NR * kc;
                    for (long ir = 0; ir < mc; ir += MR) {
                        long i = ic + ir;
                        const float *ap = transA || norm ? packed_a + ir * kc : a + i * lda + pc;
                        kernel(kc, ap, norm ? kc : rs, ps, bp, c + i * ldc + jc + jr, ldc, pc == 0, alpha, beta,
                               mc - ir < MR ? mc - ir : MR, nc - jr < NR ? nc - jr : NR);
                    }
                }
            }
        }
    }
    return 0;
}
#else
CGEMM_UNAVAILABLE(avx512)
#endif
