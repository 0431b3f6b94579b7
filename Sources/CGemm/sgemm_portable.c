// SGEMM in plain C for CPUs without one of pipe's SIMD kernels: the same blocking as the SIMD kernels
// (B packed into KC x NR panels, A packed into MR-row panels) around a 4 x 8 tile of accumulators
// that the compiler keeps in vector registers (measured best of 2-8 x 4-16 with SSE2). Each element of C is summed over k in order, block by
// block, whatever the caller's split of rows or columns. No C library headers, so it compiles for any
// target, freestanding.
#include "kernels.h"

#define MR 4
#define NR 8
#define KC 256
#define MC 128
#define NC 1024
#define KERNEL
#include "normalize.h"

int cgemm_portable_available(void) { return 1; }
long cgemm_portable_tile_rows(void) { return MR; }
long cgemm_portable_tile_columns(void) { return NR; }

static _Thread_local float *packed_a;
static _Thread_local float *packed_b;

static int ensure_buffers(void) {
    if (!packed_a) packed_a = __builtin_malloc(sizeof(float) * MC * KC);
    if (!packed_b) packed_b = __builtin_malloc(sizeof(float) * KC * NC);
    return packed_a && packed_b;
}

/// Packs op(A)[i0 ..< i0+mc, p0 ..< p0+kc] into MR-row panels, panel[p * MR + r], zero rows past mc;
/// A normalized as it is packed when `norm` is set.
static void pack_a(float *dst, int trans, const float *a, long lda, long i0, long mc, long p0, long kc,
                   const cgemm_normalization *norm) {
    for (long ip = 0; ip < mc; ip += MR) {
        long rows = mc - ip < MR ? mc - ip : MR;
        for (long r = 0; r < MR; r++) {
            float *d = dst + r;
            if (r >= rows) {
                for (long p = 0; p < kc; p++) d[p * MR] = 0;
            } else if (trans) {
                const float *s = a + p0 * lda + i0 + ip + r;
                for (long p = 0; p < kc; p++) d[p * MR] = s[p * lda];
            } else if (norm) {
                const float *s = a + (i0 + ip + r) * lda + p0;
                for (long p = 0; p < kc; p++) d[p * MR] = normalized_element(norm, p0 + p, s[p]);
            } else {
                const float *s = a + (i0 + ip + r) * lda + p0;
                for (long p = 0; p < kc; p++) d[p * MR] = s[p];
            }
        }
        dst += MR * kc;
    }
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
            else
                for (; j < cols; j++) d[j] = b[(p0 + p) * ldb + j0 + jp + j];
            for (; j < NR; j++) d[j] = 0;
        }
        dst += NR * kc;
    }
}

/// C[0 ..< rows, 0 ..< cols] (=|+=) alpha * A B for one MR x NR tile over kc from packed panels;
/// `first` applies beta, later kc blocks add.
static void tile(long kc, const float *restrict a, const float *restrict b, float *c, long ldc, int first,
                 float alpha, float beta, long rows, long cols) {
    float sums[MR][NR] = {{0}};
    for (long p = 0; p < kc; p++) {
        for (int r = 0; r < MR; r++) {
            float x = a[p * MR + r];
            for (int j = 0; j < NR; j++) sums[r][j] += x * b[p * NR + j];
        }
    }
    int keep = !first || beta != 0;
    float scale = first ? beta : 1.0f;
    for (long r = 0; r < rows; r++) {
        float *row = c + r * ldc;
        for (long j = 0; j < cols; j++) {
            float v = alpha * sums[r][j];
            row[j] = keep ? v + scale * row[j] : v;
        }
    }
}

#include "whole_b.h"

void cgemm_portable_pack_b(int transB, long k, long n, const float *b, long ldb, float *packed) {
    pack_whole_b(transB, k, n, b, ldb, packed);
}

int cgemm_portable_sgemm(int transA, int transB, long m, long n, long k, float alpha,
                         const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc,
                         const cgemm_options *options) {
    const cgemm_normalization *norm = options ? options->norm : 0;
    if (m <= 0 || n <= 0 || k <= 0) return 0;
    if (!ensure_buffers()) return -1;
    for (long jc = 0; jc < n; jc += NC) {
        long nc = n - jc < NC ? n - jc : NC;
        for (long pc = 0; pc < k; pc += KC) {
            long kc = k - pc < KC ? k - pc : KC;
            const float *block = b_block(options, packed_b, transB, b, ldb, k, pc, kc, jc, nc);
            for (long ic = 0; ic < m; ic += MC) {
                long mc = m - ic < MC ? m - ic : MC;
                pack_a(packed_a, transA, a, lda, ic, mc, pc, kc, norm);
                for (long jr = 0; jr < nc; jr += NR) {
                    for (long ir = 0; ir < mc; ir += MR) {
                        tile(kc, packed_a + ir * kc, block + jr * kc, c + (ic + ir) * ldc + jc + jr, ldc,
                             pc == 0, alpha, beta, mc - ir < MR ? mc - ir : MR, nc - jr < NR ? nc - jr : NR);
                    }
                }
            }
        }
    }
    return 0;
}
