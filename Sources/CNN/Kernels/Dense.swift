/// A fully connected layer's kernels: `output = input * weights + bias`.
public enum DenseKernels {
    /// - `output`: `[batch, outFeatures]`; `input`: `[batch, inFeatures]`;
    ///   `weights`: `[inFeatures, outFeatures]` (PyTorch's `Linear.weight` transposed); `bias`: `[outFeatures]` or nil.
    public static func forward(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                               weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               batch: Int, inFeatures: Int, outFeatures: Int) {
        gemm(m: batch, n: outFeatures, k: inFeatures, a: input, lda: inFeatures, b: weights, ldb: outFeatures,
             c: output, ldc: outFeatures)
        guard let bias else { return }
        Elementwise.addToRows(output, stride: outFeatures, bias, rows: batch, columns: outFeatures)
    }

    /// - `inputGradient`: `[batch, inFeatures]`, `weightGradient`: `[inFeatures, outFeatures]`,
    ///   `biasGradient`: `[outFeatures]`, all overwritten and each skipped when nil.
    /// - `outputGradient`: `[batch, outFeatures]`; `input`, `weights` as in `forward`.
    public static func backward(inputGradient: UnsafeMutablePointer<Float>?, weightGradient: UnsafeMutablePointer<Float>?,
                                biasGradient: UnsafeMutablePointer<Float>?, outputGradient: UnsafePointer<Float>,
                                input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                                batch: Int, inFeatures: Int, outFeatures: Int) {
        if let weightGradient {
            gemm(transposeA: true, m: inFeatures, n: outFeatures, k: batch, a: input, lda: inFeatures,
                 b: outputGradient, ldb: outFeatures, c: weightGradient, ldc: outFeatures)
        }
        if let biasGradient {
            columnSums(biasGradient, outputGradient, rows: batch, columns: outFeatures, stride: outFeatures)
        }
        if let inputGradient {
            gemm(transposeB: true, m: batch, n: inFeatures, k: outFeatures, a: outputGradient, lda: outFeatures,
                 b: weights, ldb: outFeatures, c: inputGradient, ldc: inFeatures)
        }
    }
}
