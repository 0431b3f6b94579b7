/// Computes a 2-D convolution of an NHWC batch (cross-correlation, as in every DL framework).
///
/// - `output`: `[N, OH, OW, *]`, `outputStride` floats between pixels (≥ `outChannels`), overwritten.
/// - `input`: `[N, H, W, *]`, `inputStride` floats between pixels (≥ `inChannels`), so a layer can
///   read the first channels of a wider concatenation buffer.
/// - `weights`: `[KH, KW, inChannels, outChannels]` (HWIO), the GEMM's right-hand matrix.
/// - `bias`: `[outChannels]` or nil.
/// 1x1 stride-1 unpadded convolutions are a single GEMM on the input; others unfold patches
/// (im2col) into `workspace`, a cache-sized slice of output rows at a time.
public func conv2dForward(output: UnsafeMutablePointer<Float>, outputStride: Int,
                          input: UnsafePointer<Float>, inputStride: Int,
                          weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                          shape: ConvShape, workspace: Workspace) {
    let outPixels = shape.outHeight * shape.outWidth, patch = shape.patchSize
    if shape.window.isPointwise {
        gemm(m: shape.batch * outPixels, n: shape.outChannels, k: shape.inChannels,
             a: input, lda: inputStride, b: weights, ldb: shape.outChannels, c: output, ldc: outputStride)
    } else {
        let chunk = convRowsPerChunk(shape, workspace: workspace)
        let columns = workspace.scratch(chunk * shape.outWidth * patch)
        for first in stride(from: 0, to: shape.batch * shape.outHeight, by: chunk) {
            let slice = first..<min(first + chunk, shape.batch * shape.outHeight)
            Im2col.unfold(columns, input: input, inputStride: inputStride, shape: shape, outputRows: slice)
            gemm(m: slice.count * shape.outWidth, n: shape.outChannels, k: patch,
                 a: columns, lda: patch, b: weights, ldb: shape.outChannels,
                 c: output + first * shape.outWidth * outputStride, ldc: outputStride)
        }
    }
    if let bias {
        Parallel.forEach(count: shape.batch * outPixels, grain: max(1, 8192 / max(shape.outChannels, 1))) { row in
            let target = output + row * outputStride
            for c in 0..<shape.outChannels { target[c] += bias[c] }
        }
    }
}

/// Computes the gradients of `conv2dForward` with respect to its input, weights and bias.
///
/// - `inputGradient`: `[N, H, W, *]` with `inputGradientStride`, overwritten, or added to when
///   `accumulateInputGradient` is set (several DenseNet layers read the same channels); nil skips it.
/// - `weightGradient`: `[KH, KW, inChannels, outChannels]`, overwritten; nil skips it.
/// - `biasGradient`: `[outChannels]`, overwritten; nil skips it.
/// - `outputGradient`: `[N, OH, OW, *]` with `outputGradientStride`.
/// - `input`, `weights`: as given to `conv2dForward`.
public func conv2dBackward(inputGradient: UnsafeMutablePointer<Float>?, inputGradientStride: Int,
                           accumulateInputGradient: Bool = false,
                           weightGradient: UnsafeMutablePointer<Float>?,
                           biasGradient: UnsafeMutablePointer<Float>?,
                           outputGradient: UnsafePointer<Float>, outputGradientStride: Int,
                           input: UnsafePointer<Float>, inputStride: Int,
                           weights: UnsafePointer<Float>, shape: ConvShape, workspace: Workspace) {
    let outPixels = shape.outHeight * shape.outWidth, patch = shape.patchSize
    let rows = shape.batch * outPixels
    if let biasGradient {
        columnSums(biasGradient, outputGradient, rows: rows, columns: shape.outChannels, stride: outputGradientStride)
    }
    if shape.window.isPointwise {
        if let weightGradient {
            gemm(transposeA: true, m: shape.inChannels, n: shape.outChannels, k: rows,
                 a: input, lda: inputStride, b: outputGradient, ldb: outputGradientStride,
                 c: weightGradient, ldc: shape.outChannels)
        }
        if let inputGradient {
            gemm(transposeB: true, m: rows, n: shape.inChannels, k: shape.outChannels,
                 a: outputGradient, lda: outputGradientStride, b: weights, ldb: shape.outChannels,
                 beta: accumulateInputGradient ? 1 : 0, c: inputGradient, ldc: inputGradientStride)
        }
        return
    }
    guard weightGradient != nil || inputGradient != nil else { return }
    if let inputGradient, !accumulateInputGradient {
        Parallel.forEach(count: shape.batch * shape.height * shape.width, grain: max(1, 16_384 / max(shape.inChannels, 1))) {
            (inputGradient + $0 * inputGradientStride).update(repeating: 0, count: shape.inChannels)
        }
    }
    let chunk = convRowsPerChunk(shape, workspace: workspace)
    let columns = workspace.scratch(chunk * shape.outWidth * patch)
    for first in stride(from: 0, to: shape.batch * shape.outHeight, by: chunk) {
        let slice = first..<min(first + chunk, shape.batch * shape.outHeight)
        let chunkRows = slice.count * shape.outWidth
        let chunkGradient = outputGradient + first * shape.outWidth * outputGradientStride
        if let weightGradient {
            Im2col.unfold(columns, input: input, inputStride: inputStride, shape: shape, outputRows: slice)
            gemm(transposeA: true, m: patch, n: shape.outChannels, k: chunkRows,
                 a: columns, lda: patch, b: chunkGradient, ldb: outputGradientStride,
                 beta: first == 0 ? 0 : 1, c: weightGradient, ldc: shape.outChannels)
        }
        if let inputGradient {
            // The patch matrix is no longer needed, so its memory receives the patch gradients.
            gemm(transposeB: true, m: chunkRows, n: patch, k: shape.outChannels,
                 a: chunkGradient, lda: outputGradientStride, b: weights, ldb: shape.outChannels,
                 c: columns, ldc: patch)
            Im2col.fold(inputGradient, stride: inputGradientStride, columns: columns, shape: shape, outputRows: slice)
        }
    }
}

/// How many output rows `(n, oh)` one im2col matrix holds so that it stays under the workspace's
/// preferred size, which keeps the matrix in cache between writing it and the GEMM reading it.
func convRowsPerChunk(_ shape: ConvShape, workspace: Workspace) -> Int {
    let perRow = max(shape.outWidth * shape.patchSize, 1)
    return max(1, min(shape.batch * shape.outHeight, workspace.preferredLimit / perRow))
}
