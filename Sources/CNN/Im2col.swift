/// Unfolds image patches into rows of a matrix and folds patch gradients back into images.
///
/// Both work on a range of output rows `(n, oh)` of the flattened `[N * OH]` index, so a
/// convolution can process a batch in cache-sized slices that may start and end inside an image.
enum Im2col {
    /// Writes the patch matrix for output rows `outputRows` of an NHWC batch.
    ///
    /// - `columns`: `[outputRows.count * outWidth, kernelHeight * kernelWidth * inChannels]`, row
    ///   `(n, oh, ow)`, column `(kh, kw, c)`; padded taps are zero.
    /// - `input`: `[batch, height, width, *]` with `inputStride` floats between pixels.
    static func unfold(_ columns: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, inputStride: Int,
                       shape: ConvShape, outputRows: Range<Int>) {
        let window = shape.window, channels = shape.inChannels
        let outHeight = shape.outHeight, outWidth = shape.outWidth, patch = shape.patchSize
        Parallel.forEach(count: outputRows.count, grain: max(1, 4096 / max(outWidth * patch, 1))) { local in
            let row = outputRows.lowerBound + local
            let image = row / outHeight, oh = row % outHeight
            var target = columns + local * outWidth * patch
            for ow in 0..<outWidth {
                for kh in 0..<window.kernelHeight {
                    let ih = oh * window.strideHeight - window.padTop + kh
                    let inside = ih >= 0 && ih < shape.height
                    for kw in 0..<window.kernelWidth {
                        let iw = ow * window.strideWidth - window.padLeft + kw
                        if inside && iw >= 0 && iw < shape.width {
                            target.update(from: input + ((image * shape.height + ih) * shape.width + iw) * inputStride,
                                          count: channels)
                        } else {
                            target.update(repeating: 0, count: channels)
                        }
                        target += channels
                    }
                }
            }
        }
    }

    /// Adds the patch gradients of output rows `outputRows` onto the input pixels they came from.
    ///
    /// - `inputGradient`: `[batch, height, width, *]` with `stride` floats between pixels; always added to.
    /// - `columns`: `[outputRows.count * outWidth, patchSize]` laid out as `unfold` writes it.
    /// Each input row gathers its taps in a fixed order on one thread, so sums are repeatable.
    static func fold(_ inputGradient: UnsafeMutablePointer<Float>, stride: Int, columns: UnsafePointer<Float>,
                     shape: ConvShape, outputRows: Range<Int>) {
        let window = shape.window, outHeight = shape.outHeight
        // The input rows (n, ih) that the output rows touch, image by image.
        var targets: [(image: Int, ih: Int, ohRange: Range<Int>)] = []
        var row = outputRows.lowerBound
        while row < outputRows.upperBound {
            let image = row / outHeight
            let end = min(outputRows.upperBound, (image + 1) * outHeight)
            let ohRange = (row - image * outHeight)..<(end - image * outHeight)
            let first = max(ohRange.lowerBound * window.strideHeight - window.padTop, 0)
            let last = min((ohRange.upperBound - 1) * window.strideHeight - window.padTop + window.kernelHeight,
                           shape.height)
            if first < last { for ih in first..<last { targets.append((image, ih, ohRange)) } }
            row = end
        }
        Parallel.forEach(count: targets.count, grain: max(1, 4096 / max(shape.width * shape.patchSize, 1))) { index in
            let (image, ih, ohRange) = targets[index]
            foldRow(inputGradient, stride: stride, columns: columns, shape: shape, image: image, ih: ih,
                    ohRange: ohRange, firstRow: outputRows.lowerBound)
        }
    }

    /// Gathers into input row `ih` of `image` the taps of output rows `ohRange` of that image.
    private static func foldRow(_ inputGradient: UnsafeMutablePointer<Float>, stride: Int,
                                columns: UnsafePointer<Float>, shape: ConvShape, image: Int, ih: Int,
                                ohRange: Range<Int>, firstRow: Int) {
        let window = shape.window, channels = shape.inChannels
        let outHeight = shape.outHeight, outWidth = shape.outWidth, patch = shape.patchSize
        for iw in 0..<shape.width {
            let target = inputGradient + ((image * shape.height + ih) * shape.width + iw) * stride
            for kh in 0..<window.kernelHeight {
                let th = ih + window.padTop - kh
                guard th >= 0, th % window.strideHeight == 0, ohRange.contains(th / window.strideHeight) else { continue }
                let localRow = image * outHeight + th / window.strideHeight - firstRow
                for kw in 0..<window.kernelWidth {
                    let tw = iw + window.padLeft - kw
                    guard tw >= 0, tw % window.strideWidth == 0 else { continue }
                    let ow = tw / window.strideWidth
                    guard ow < outWidth else { continue }
                    let source = columns + (localRow * outWidth + ow) * patch + (kh * window.kernelWidth + kw) * channels
                    for c in 0..<channels { target[c] += source[c] }
                }
            }
        }
    }
}
