// The A-side batch norm and ReLU of `cgemm_options.norm`, included by each kernel file after it
// defines KERNEL (its target attribute, or nothing).
#ifndef CGEMM_NORMALIZE_H
#define CGEMM_NORMALIZE_H

/// One normalized element: every step rounded on its own, as the separate batch-norm pass rounds it.
static inline float normalized_element(const cgemm_normalization *norm, long p, float x) {
#pragma clang fp contract(off)
    float centred = x - norm->mean[p];
    float scaled = centred * norm->scale[p];
    float y = scaled + norm->shift[p];
    return y > 0 ? y : 0;
}

/// dst[r * kc + p] = normalized A[r][p0 + p] for r < rows, p < kc; `a` points at row 0, column 0.
KERNEL __attribute__((unused)) static void normalize_block(float *restrict dst, const float *restrict a, long lda, long rows, long p0,
                                   long kc, const cgemm_normalization *norm) {
#pragma clang fp contract(off)
    const float *mean = norm->mean + p0, *scale = norm->scale + p0, *shift = norm->shift + p0;
    for (long r = 0; r < rows; r++) {
        const float *s = a + r * lda + p0;
        float *d = dst + r * kc;
        // Rows are short runs far apart, which the hardware prefetcher does not foresee.
        if (r + 3 < rows)
            for (long p = 0; p < kc; p += 16) __builtin_prefetch(s + 3 * lda + p);
        for (long p = 0; p < kc; p++) {
            float centred = s[p] - mean[p];
            float scaled = centred * scale[p];
            float y = scaled + shift[p];
            d[p] = y > 0 ? y : 0;
        }
    }
}

#endif
