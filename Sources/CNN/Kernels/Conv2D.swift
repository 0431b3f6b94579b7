/// Computes a 2-D convolution of an NHWC batch (cross-correlation, as in every DL framework).
///
/// - `output`: `[N, OH, OW, *]`, `outputStride` floats between pixels (≥ `outChannels`), overwritten.
/// - `input`: `[N, H, W, *]`, `inputStride` floats between pixels (≥ `inChannels`), so a layer can
///   read the first channels of a wider concatenation buffer.
/// - `weights`: `[KH, KW, inChannels, outChannels]` (HWIO), the GEMM's right-hand matrix.
/// - `bias`: `[outChannels]` or nil.
/// 1x1 stride-1 unpadded convolutions are GEMMs on the input (`PointwiseConv`); 3x3 stride-1 ones
/// with at least 64 output pixels use Winograd's F(2x2, 3x3) (`Winograd3x3`, 16 GEMMs on
/// transformed tiles, 2.25x fewer flops); other stride-1 convolutions unfold each input row along
/// the width only and sum `kernelHeight` GEMMs (`RowUnfoldConv`); the rest unfold full patches
/// (im2col) into `arena`, a cache-sized slice of output rows per thread. Work is split into
/// blocks fixed by the shape and the arena's `preferredLimit`, so results are the same bits
/// whatever the number of cores.
public func conv2dForward(output: UnsafeMutablePointer<Float>, outputStride: Int,
                          input: UnsafePointer<Float>, inputStride: Int,
                          weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                          shape: ConvShape, arena: ScratchArena) {
    let outPixels = shape.outHeight * shape.outWidth
    if PointwiseConv.handles(shape) {
        PointwiseConv.forward(output: output, outputStride: outputStride, input: input, inputStride: inputStride,
                              weights: weights, shape: shape, limit: rowUnfoldLimit(arena),
                              scratch: arena.scratch(PointwiseConv.scratchSize(shape)))
    } else if shape.window.isPointwise {
        gemm(m: shape.batch * outPixels, n: shape.outChannels, k: shape.inChannels,
             a: input, lda: inputStride, b: weights, ldb: shape.outChannels, c: output, ldc: outputStride)
    } else if Winograd3x3.handles(shape) {
        let limit = rowUnfoldLimit(arena)
        Winograd3x3.forward(output: output, outputStride: outputStride, accumulate: false, input: input,
                            inputStride: inputStride, weights: weights, shape: shape, limit: limit,
                            scratch: arena.scratch(Winograd3x3.scratchSize(shape, limit: limit)))
    } else if RowUnfoldConv.handles(shape) {
        let limit = rowUnfoldLimit(arena)
        RowUnfoldConv.forward(output: output, outputStride: outputStride, accumulate: false, input: input,
                              inputStride: inputStride, weights: weights, shape: shape, limit: limit,
                              scratch: arena.scratch(RowUnfoldConv.forwardScratch(shape, limit: limit)))
    } else {
        im2colForward(output: output, outputStride: outputStride, accumulate: false, input: input,
                      inputStride: inputStride, weights: weights, shape: shape, arena: arena)
    }
    if let bias {
        Elementwise.addToRows(output, stride: outputStride, bias, rows: shape.batch * outPixels, columns: shape.outChannels)
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
                           weights: UnsafePointer<Float>, shape: ConvShape, arena: ScratchArena) {
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
        if let inputGradient, PointwiseConv.handles(shape) {
            PointwiseConv.inputGradient(inputGradient, inputGradientStride: inputGradientStride,
                                        accumulate: accumulateInputGradient, outputGradient: outputGradient,
                                        outputGradientStride: outputGradientStride, weights: weights, shape: shape,
                                        limit: rowUnfoldLimit(arena))
        } else if let inputGradient {
            gemm(transposeB: true, m: rows, n: shape.inChannels, k: shape.outChannels,
                 a: outputGradient, lda: outputGradientStride, b: weights, ldb: shape.outChannels,
                 beta: accumulateInputGradient ? 1 : 0, c: inputGradient, ldc: inputGradientStride)
        }
        return
    }
    guard weightGradient != nil || inputGradient != nil else { return }
    if RowUnfoldConv.handles(shape) {
        let limit = rowUnfoldLimit(arena)
        if let weightGradient {
            RowUnfoldConv.weightGradient(weightGradient, outputGradient: outputGradient,
                                         outputGradientStride: outputGradientStride, input: input,
                                         inputStride: inputStride, shape: shape, limit: limit,
                                         scratch: arena.scratch(RowUnfoldConv.weightGradientScratch(shape, limit: limit)))
        }
        if let inputGradient {
            // The input gradient is a stride-1 convolution of the output gradient with flipped weights
            // (so 3x3 layers get Winograd here too); the weight gradient always takes the row unfold.
            let flippedShape = RowUnfoldConv.inputGradientShape(shape)
            let weightCount = patch * shape.outChannels, winograd = Winograd3x3.handles(flippedShape)
            let scratch = arena.scratch(weightCount + (winograd
                ? Winograd3x3.scratchSize(flippedShape, limit: limit)
                : RowUnfoldConv.forwardScratch(flippedShape, limit: limit)))
            RowUnfoldConv.flipWeights(scratch, weights, shape: shape)
            if winograd {
                Winograd3x3.forward(output: inputGradient, outputStride: inputGradientStride,
                                    accumulate: accumulateInputGradient, input: outputGradient,
                                    inputStride: outputGradientStride, weights: scratch, shape: flippedShape,
                                    limit: limit, scratch: scratch + weightCount)
            } else {
                RowUnfoldConv.forward(output: inputGradient, outputStride: inputGradientStride,
                                      accumulate: accumulateInputGradient, input: outputGradient,
                                      inputStride: outputGradientStride, weights: scratch, shape: flippedShape,
                                      limit: limit, scratch: scratch + weightCount)
            }
        }
        return
    }
    if let inputGradient, !accumulateInputGradient {
        Parallel.forEach(count: shape.batch * shape.height * shape.width, grain: max(1, 16_384 / max(shape.inChannels, 1))) {
            (inputGradient + $0 * inputGradientStride).update(repeating: 0, count: shape.inChannels)
        }
    }
    let chunk = convRowsPerChunk(shape, arena: arena)
    let columns = arena.scratch(chunk * shape.outWidth * patch)
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

/// How many output rows `(n, oh)` one im2col matrix holds so that it stays under the arena's
/// preferred size, which keeps the matrix in cache between writing it and the GEMM reading it.
func convRowsPerChunk(_ shape: ConvShape, arena: ScratchArena) -> Int {
    let perRow = max(shape.outWidth * shape.patchSize, 1)
    return max(1, min(shape.batch * shape.outHeight, arena.preferredLimit / perRow))
}

/// The preferred size of one `RowUnfoldConv` work unit's unfolded rows, in floats: an eighth of the
/// arena's slice size (1 MiB by default), so a unit stays in one core's cache.
func rowUnfoldLimit(_ arena: ScratchArena) -> Int { max(1, arena.preferredLimit / 8) }

/// The output-row slices `im2colForward` works on and the floats one slice's patch matrix needs.
func im2colSlices(_ shape: ConvShape, arena: ScratchArena) -> (slices: [Range<Int>], sliceFloats: Int) {
    let perRow = shape.outWidth * shape.patchSize, totalRows = shape.batch * shape.outHeight
    let rowsPerSlice = max(1, rowUnfoldLimit(arena) / max(perRow, 1))
    let slices = RowUnfoldConv.evenSplit(totalRows, into: (totalRows + rowsPerSlice - 1) / rowsPerSlice)
    return (slices, (slices.map(\.count).max() ?? 1) * perRow)
}

/// Convolution by full patch unfolding (im2col) in fixed slices of output rows, each unfolded and
/// multiplied by one thread in its own cache; `output +=` when `accumulate`.
func im2colForward(output: UnsafeMutablePointer<Float>, outputStride: Int, accumulate: Bool,
                   input: UnsafePointer<Float>, inputStride: Int, weights: UnsafePointer<Float>,
                   shape: ConvShape, arena: ScratchArena) {
    let (slices, sliceFloats) = im2colSlices(shape, arena: arena)
    let lanes = min(RowUnfoldConv.laneCount, slices.count), patch = shape.patchSize
    let scratch = arena.scratch(lanes * sliceFloats)
    RowUnfoldConv.run(items: slices.count, lanes: lanes) { lane, index in
        let slice = slices[index], columns = scratch + lane * sliceFloats
        Im2col.unfoldRows(columns, input: input, inputStride: inputStride, shape: shape, outputRows: slice)
        gemm(m: slice.count * shape.outWidth, n: shape.outChannels, k: patch,
             a: columns, lda: patch, b: weights, ldb: shape.outChannels, beta: accumulate ? 1 : 0,
             c: output + slice.lowerBound * shape.outWidth * outputStride, ldc: outputStride)
    }
}
