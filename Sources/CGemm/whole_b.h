// B packed once for many products, included by each kernel file after it defines NR, KC, NC and `pack_b`.
// The blocks lie in the order the drivers read them: block (jc, pc) at jc * k + round_up(nc, NR) * pc,
// since every block before column block jc is NC (a multiple of NR) wide.
#ifndef CGEMM_WHOLE_B_H
#define CGEMM_WHOLE_B_H

/// Where block (jc, pc), nc columns wide, of a B packed whole starts.
static inline const float *whole_b_block(const float *packed, long k, long jc, long nc, long pc) {
    return packed + jc * k + (nc + NR - 1) / NR * NR * pc;
}

/// The block (jc, pc) of B the tiles read: from `options->packed_b`, else packed now into `buffer`.
static inline const float *b_block(const cgemm_options *options, float *buffer, int trans, const float *b, long ldb,
                                   long k, long pc, long kc, long jc, long nc) {
    if (options && options->packed_b) return whole_b_block(options->packed_b, k, jc, nc, pc);
    pack_b(buffer, trans, b, ldb, pc, kc, jc, nc);
    return buffer;
}

/// Packs all of op(B), k x n, block by block.
static void pack_whole_b(int trans, long k, long n, const float *b, long ldb, float *packed) {
    for (long jc = 0; jc < n; jc += NC) {
        long nc = n - jc < NC ? n - jc : NC;
        for (long pc = 0; pc < k; pc += KC) {
            long kc = k - pc < KC ? k - pc : KC;
            pack_b((float *)whole_b_block(packed, k, jc, nc, pc), trans, b, ldb, pc, kc, jc, nc);
        }
    }
}

#endif
