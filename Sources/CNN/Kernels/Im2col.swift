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
        let perRow = shape.outWidth * shape.patchSize
        Parallel.forEach(count: outputRows.count, grain: max(1, 4096 / max(perRow, 1))) { local in
            let row = outputRows.lowerBound + local
            unfoldRows(columns + local * perRow, input: input, inputStride: inputStride, shape: shape,
                       outputRows: row..<(row + 1))
        }
    }

    /// `unfold` on the calling thread only.
    ///
    /// When pixels are packed (`inputStride == inChannels`) the in-bounds taps of one kernel row are
    /// adjacent in memory and are copied at once, which matters for few-channel inputs (RGB stems).
    static func unfoldRows(_ columns: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, inputStride: Int,
                           shape: ConvShape, outputRows: Range<Int>) {
        let window = shape.window, channels = shape.inChannels
        let outHeight = shape.outHeight, outWidth = shape.outWidth
        let packed = inputStride == channels
        var target = columns
        for row in outputRows {
            let image = row / outHeight, oh = row % outHeight
            for ow in 0..<outWidth {
                let iw0 = ow * window.strideWidth - window.padLeft
                // The taps kw in kwLow..<kwHigh read columns inside the image.
                let kwLow = min(max(0, -iw0), window.kernelWidth)
                let kwHigh = max(min(window.kernelWidth, shape.width - iw0), kwLow)
                for kh in 0..<window.kernelHeight {
                    let ih = oh * window.strideHeight - window.padTop + kh
                    guard ih >= 0 && ih < shape.height && kwLow < kwHigh else {
                        target.update(repeating: 0, count: window.kernelWidth * channels)
                        target += window.kernelWidth * channels
                        continue
                    }
                    if kwLow > 0 { target.update(repeating: 0, count: kwLow * channels) }
                    target += kwLow * channels
                    let source = input + ((image * shape.height + ih) * shape.width + iw0 + kwLow) * inputStride
                    if packed {
                        target.update(from: source, count: (kwHigh - kwLow) * channels)
                        target += (kwHigh - kwLow) * channels
                    } else {
                        for tap in 0..<(kwHigh - kwLow) {
                            target.update(from: source + tap * inputStride, count: channels)
                            target += channels
                        }
                    }
                    let tail = window.kernelWidth - kwHigh
                    if tail > 0 { target.update(repeating: 0, count: tail * channels) }
                    target += tail * channels
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
