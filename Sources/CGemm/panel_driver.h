// The blocking shared by the AVX2 and NEON kernels, included once per kernel file after it defines MR, NR,
// KC, MC, NC, KERNEL (its target attribute, or nothing), `packed_a`/`packed_b` with `ensure_buffers`,
// `pack_b` and the register tile `tile`. B is packed into KC x NR column panels, A read in place (packed
// into MR-row panels only when transposed); each element of C is summed over k block by block, in the
// same order whatever rows or columns the caller gives a thread.
#ifndef CGEMM_PANEL_DRIVER_H
#define CGEMM_PANEL_DRIVER_H

#include "normalize.h"
#include "whole_b.h"

/// Packs A^T[i0 ..< i0+mc, p0 ..< p0+kc] (A stored k x m) into MR-row panels, panel[p * MR + r], zero
/// rows past mc; each stored row of A is read once, front to back.
static void pack_transposed_a(float *dst, const float *a, long lda, long i0, long mc, long p0, long kc) {
    long whole = mc / MR, rest = mc % MR;
    for (long p = 0; p < kc; p++) {
        const float *s = a + (p0 + p) * lda + i0;
        float *d = dst + p * MR;
        for (long panel = 0; panel < whole; panel++)
            __builtin_memcpy(d + panel * MR * kc, s + panel * MR, sizeof(float) * MR);
        if (rest) {
            float *tail = d + whole * MR * kc;
            for (long r = 0; r < MR; r++) tail[r] = r < rest ? s[whole * MR + r] : 0;
        }
    }
}

KERNEL static void tile_in_place(long kc, const float *a, long lda, const float *b, float *c, long ldc, int first,
                                 float alpha, float beta, long rows, long cols) {
    tile(kc, a, lda, 1, b, c, ldc, first, alpha, beta, rows, cols);
}

KERNEL static void tile_packed(long kc, const float *a, const float *b, float *c, long ldc, int first,
                               float alpha, float beta, long rows, long cols) {
    tile(kc, a, 1, MR, b, c, ldc, first, alpha, beta, rows, cols);
}

/// C = alpha op(A) op(B) + beta C over the kernel's blocks, with `options` (see CGemm.h); -1 when its
/// buffers cannot be allocated.
static int panel_sgemm(int transA, int transB, long m, long n, long k, float alpha, const float *a, long lda,
                       const float *b, long ldb, float beta, float *c, long ldc, const cgemm_options *options) {
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
                if (transA) pack_transposed_a(packed_a, a, lda, ic, mc, pc, kc);
                else if (norm) normalize_block(packed_a, a + ic * lda, lda, mc, pc, kc, norm);
                for (long ir = 0; ir < mc; ir += MR) {
                    for (long jr = 0; jr < nc; jr += NR) {
                        const float *bp = block + (jr / NR) * NR * kc;
                        long cols = nc - jr < NR ? nc - jr : NR;
                        long i = ic + ir, rows = mc - ir < MR ? mc - ir : MR;
                        float *ct = c + i * ldc + jc + jr;
                        if (transA)
                            tile_packed(kc, packed_a + ir * kc, bp, ct, ldc, pc == 0, alpha, beta, rows, cols);
                        else if (norm)
                            tile_in_place(kc, packed_a + ir * kc, kc, bp, ct, ldc, pc == 0, alpha, beta, rows, cols);
                        else
                            tile_in_place(kc, a + i * lda + pc, lda, bp, ct, ldc, pc == 0, alpha, beta, rows, cols);
                    }
                }
            }
        }
    }
    return 0;
}

#endif
