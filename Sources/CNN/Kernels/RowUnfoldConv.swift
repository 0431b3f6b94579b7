import COpenBLAS
import Foundation

/// Stride-1 convolutions as `kernelHeight` GEMMs over a horizontally unfolded input.
///
/// Full im2col writes `kernelHeight * kernelWidth` copies of every input pixel and hands the GEMM a
/// `K = KH * KW * C` matrix that no cache holds. Here each input row is unfolded only along the
/// width into `U[row, ow, (kw, c)]` (`KW` copies), with zero rows for the vertical padding, so the
/// output rows `oh` of one image are `sum over kh of U[oh + kh] x W[kh]`, where `W[kh]` is the
/// contiguous `(KW * C) x outChannels` slice of the HWIO weights: no row needs a boundary case.
///
/// Work is split into fixed units (a few whole images, or a band of output rows of one image) that
/// depend only on the shape; each unit's unfolded rows stay in one core's cache while its GEMMs read
/// them. Units run on this module's threads with single-threaded OpenBLAS (its threading splits
/// these skinny GEMMs poorly), and every unit does the same arithmetic on whichever thread runs it,
/// so results are repeatable bit for bit and do not depend on the number of cores.
enum RowUnfoldConv {
    /// Whether `shape` takes this path: stride 1, not pointwise, each padding smaller than its kernel.
    static func handles(_ shape: ConvShape) -> Bool {
        let w = shape.window
        return w.strideHeight == 1 && w.strideWidth == 1 && !w.isPointwise
            && w.padTop < w.kernelHeight && w.padBottom < w.kernelHeight
            && w.padLeft < w.kernelWidth && w.padRight < w.kernelWidth
            && shape.outHeight > 0 && shape.outWidth > 0 && shape.batch > 0
    }

    /// A piece of work: output rows `rows` of every image in `images` (several images only when
    /// `rows` covers the whole output height).
    struct Unit {
        var images: Range<Int>
        var rows: Range<Int>
    }

    /// The units for `shape` and the largest unfolded matrix one of them needs, in floats.
    ///
    /// `limit` is the preferred size of one unit's unfolded rows; it depends only on the arena
    /// setting, never on the machine, so the partition (and thus every sum) is fixed.
    static func plan(_ shape: ConvShape, limit: Int) -> (units: [Unit], unfoldSize: Int) {
        let kh = shape.window.kernelHeight, outHeight = shape.outHeight
        let rowFloats = shape.outWidth * shape.window.kernelWidth * shape.inChannels
        let imageFloats = (outHeight + kh - 1) * rowFloats
        var units: [Unit] = []
        if imageFloats * 2 <= limit {
            // Several whole images per unit, at least four units when the batch allows.
            let perUnit = min(limit / imageFloats, (shape.batch + 3) / 4)
            let count = (shape.batch + perUnit - 1) / perUnit
            for range in evenSplit(shape.batch, into: count) { units.append(Unit(images: range, rows: 0..<outHeight)) }
            return (units, (units.map(\.images.count).max() ?? 1) * imageFloats)
        }
        let bandRows = max(1, limit / rowFloats - (kh - 1))
        let bands = evenSplit(outHeight, into: (outHeight + bandRows - 1) / bandRows)
        for image in 0..<shape.batch {
            for band in bands { units.append(Unit(images: image..<(image + 1), rows: band)) }
        }
        return (units, ((bands.map(\.count).max() ?? 1) + kh - 1) * rowFloats)
    }

    /// `0..<count` cut into `parts` consecutive ranges whose lengths differ by at most one.
    static func evenSplit(_ count: Int, into parts: Int) -> [Range<Int>] {
        let parts = max(1, min(parts, count))
        let base = count / parts, extra = count % parts
        var start = 0
        return (0..<parts).map { index in
            let length = base + (index < extra ? 1 : 0)
            defer { start += length }
            return start..<(start + length)
        }
    }

    /// Writes the unfolded rows of output rows `rows` of `image`: `rows.count + KH - 1` padded input
    /// rows starting at input row `rows.lowerBound - padTop`, each `[outWidth, (kw, c)]`, zero where
    /// the window reads padding.
    static func unfold(_ target: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, inputStride: Int,
                       shape: ConvShape, image: Int, rows: Range<Int>) {
        let window = shape.window, channels = shape.inChannels, width = shape.width, outWidth = shape.outWidth
        let pixelFloats = window.kernelWidth * channels, rowFloats = outWidth * pixelFloats
        for padded in 0..<(rows.count + window.kernelHeight - 1) {
            let ih = rows.lowerBound - window.padTop + padded
            let row = target + padded * rowFloats
            guard ih >= 0 && ih < shape.height else {
                row.update(repeating: 0, count: rowFloats)
                continue
            }
            let source = input + (image * shape.height + ih) * width * inputStride
            for kw in 0..<window.kernelWidth {
                // Output column ow reads input column ow + kw - padLeft.
                let low = min(max(0, window.padLeft - kw), outWidth)
                let high = max(min(outWidth, width + window.padLeft - kw), low)
                var destination = row + kw * channels
                for _ in 0..<low {
                    destination.update(repeating: 0, count: channels)
                    destination += pixelFloats
                }
                var from = source + (low + kw - window.padLeft) * inputStride
                for _ in low..<high {
                    destination.update(from: from, count: channels)
                    destination += pixelFloats
                    from += inputStride
                }
                for _ in high..<outWidth {
                    destination.update(repeating: 0, count: channels)
                    destination += pixelFloats
                }
            }
        }
    }

    /// How many threads run units; the partition does not depend on it.
    static var laneCount: Int { max(1, min(ProcessInfo.processInfo.activeProcessorCount, maxLanes)) }

    /// A cap on `laneCount`; tests lower it to check that results do not depend on the thread count.
    nonisolated(unsafe) static var maxLanes = Int.max

    /// Runs `body(lane, item)` for every item in `0..<items`, items handed out in order to up to
    /// `lanes` threads; `lane` indexes per-thread scratch memory. OpenBLAS runs single-threaded
    /// meanwhile.
    static func run(items: Int, lanes: Int, _ body: (Int, Int) -> Void) {
        let saved = openblas_get_num_threads()
        if saved != 1 { openblas_set_num_threads(1) }
        defer { if saved != 1 { openblas_set_num_threads(saved) } }
        if lanes <= 1 || items <= 1 {
            for item in 0..<items { body(0, item) }
            return
        }
        let next = WorkCounter()
        withoutActuallyEscaping(body) { escaping in
            let box = UncheckedSendable(escaping)
            DispatchQueue.concurrentPerform(iterations: lanes) { lane in
                while let item = next.take(below: items) { box.value(lane, item) }
            }
        }
    }

    /// Scratch floats `forward` needs from its caller: one unit's image (or band) per thread.
    static func forwardScratch(_ shape: ConvShape, limit: Int) -> Int {
        let (units, _) = plan(shape, limit: limit)
        return min(laneCount, units.count) * forwardUnfoldSize(shape, units: units)
            + shape.window.kernelHeight * packedRowFloats(shape)
    }

    /// Floats of one kernel row's weights packed for the GEMM kernel.
    static func packedRowFloats(_ shape: ConvShape) -> Int {
        PackedOperand.scratchSize(.current, k: shape.window.kernelWidth * shape.inChannels, n: shape.outChannels)
    }

    /// The unfolded rows of the largest single image or band among `units`, in floats.
    static func forwardUnfoldSize(_ shape: ConvShape, units: [Unit]) -> Int {
        let rows = (units.map(\.rows.count).max() ?? 1) + shape.window.kernelHeight - 1
        return rows * shape.outWidth * shape.window.kernelWidth * shape.inChannels
    }

    /// `output = conv(input)` (or `+=` when `accumulate`), without bias; `scratch` holds
    /// `forwardScratch(shape, limit:)` floats.
    static func forward(output: UnsafeMutablePointer<Float>, outputStride: Int, accumulate: Bool,
                        input: UnsafePointer<Float>, inputStride: Int, weights: UnsafePointer<Float>,
                        shape: ConvShape, limit: Int, scratch: UnsafeMutablePointer<Float>) {
        let (units, _) = plan(shape, limit: limit), unfoldSize = forwardUnfoldSize(shape, units: units)
        let kernelHeight = shape.window.kernelHeight, outWidth = shape.outWidth, outChannels = shape.outChannels
        let pixelFloats = shape.window.kernelWidth * shape.inChannels, rowFloats = outWidth * pixelFloats
        let packedBase = scratch + min(laneCount, units.count) * unfoldSize, packedFloats = packedRowFloats(shape)
        let packed = (0..<kernelHeight).map { kh in
            PackedOperand(kernel: .current, k: pixelFloats, n: outChannels, b: weights + kh * pixelFloats * outChannels,
                          ldb: outChannels, scratch: packedBase + kh * packedFloats)
        }
        run(items: units.count, lanes: min(laneCount, units.count)) { lane, index in
            // Images are unfolded one at a time into the same memory, which stays in cache.
            let unit = units[index], rows = scratch + lane * unfoldSize
            for image in unit.images {
                unfold(rows, input: input, inputStride: inputStride, shape: shape, image: image, rows: unit.rows)
                let target = output + (image * shape.outHeight + unit.rows.lowerBound) * outWidth * outputStride
                for kh in 0..<kernelHeight {
                    gemm(m: unit.rows.count * outWidth, n: outChannels, k: pixelFloats,
                         a: rows + kh * rowFloats, lda: pixelFloats,
                         b: weights + kh * pixelFloats * outChannels, ldb: outChannels, packedB: packed[kh],
                         beta: kh == 0 && !accumulate ? 0 : 1, c: target, ldc: outputStride)
                }
            }
        }
    }

    /// Scratch floats `weightGradient` needs from its caller.
    static func weightGradientScratch(_ shape: ConvShape, limit: Int) -> Int {
        let (units, unfoldSize) = plan(shape, limit: limit)
        let groups = min(units.count, maxGroups), lanes = min(laneCount, groups)
        let gridSize = units.contains(where: { $0.images.count > 1 })
            ? unfoldSize / (shape.window.kernelWidth * shape.inChannels) * shape.outChannels : 0
        return groups * shape.window.kernelHeight * shape.window.kernelWidth * shape.inChannels * shape.outChannels
            + lanes * (unfoldSize + gridSize)
    }

    /// At most this many partial weight gradients are summed, in a fixed order.
    static let maxGroups = 8

    /// `weightGradient = sum over pixels of patch^T x outputGradient`, overwritten.
    static func weightGradient(_ weightGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
                               outputGradientStride: Int, input: UnsafePointer<Float>, inputStride: Int,
                               shape: ConvShape, limit: Int, scratch: UnsafeMutablePointer<Float>) {
        let (units, unfoldSize) = plan(shape, limit: limit)
        let kernelHeight = shape.window.kernelHeight, outWidth = shape.outWidth, outChannels = shape.outChannels
        let outHeight = shape.outHeight
        let pixelFloats = shape.window.kernelWidth * shape.inChannels, rowFloats = outWidth * pixelFloats
        let weightCount = kernelHeight * pixelFloats * outChannels
        let groups = evenSplit(units.count, into: min(units.count, maxGroups))
        let lanes = min(laneCount, groups.count)
        let gridSize = units.contains(where: { $0.images.count > 1 })
            ? unfoldSize / pixelFloats * outChannels : 0
        let laneScratch = scratch + groups.count * weightCount
        run(items: groups.count, lanes: lanes) { lane, group in
            let partial = scratch + group * weightCount
            partial.update(repeating: 0, count: weightCount)
            let unfolded = laneScratch + lane * (unfoldSize + gridSize), grid = unfolded + unfoldSize
            for index in groups[group] {
                let unit = units[index]
                let paddedRows = unit.rows.count + kernelHeight - 1
                for (slot, image) in unit.images.enumerated() {
                    unfold(unfolded + slot * paddedRows * rowFloats, input: input, inputStride: inputStride,
                           shape: shape, image: image, rows: unit.rows)
                }
                if unit.images.count == 1 {
                    let gradient = outputGradient + (unit.images.lowerBound * outHeight + unit.rows.lowerBound)
                        * outWidth * outputGradientStride
                    for kh in 0..<kernelHeight {
                        gemm(transposeA: true, m: pixelFloats, n: outChannels, k: unit.rows.count * outWidth,
                             a: unfolded + kh * rowFloats, lda: pixelFloats, b: gradient, ldb: outputGradientStride,
                             beta: 1, c: partial + kh * pixelFloats * outChannels, ldc: outChannels)
                    }
                } else {
                    // Whole images: lay the output gradient out with the unfolded rows' image pitch,
                    // zero in the KH - 1 rows between images, so each tap is one GEMM over the unit.
                    for (slot, image) in unit.images.enumerated() {
                        let rowsOut = grid + slot * paddedRows * outWidth * outChannels
                        for pixel in 0..<(outHeight * outWidth) {
                            (rowsOut + pixel * outChannels).update(
                                from: outputGradient + (image * outHeight * outWidth + pixel) * outputGradientStride,
                                count: outChannels)
                        }
                        (rowsOut + outHeight * outWidth * outChannels)
                            .update(repeating: 0, count: (kernelHeight - 1) * outWidth * outChannels)
                    }
                    let pixels = (unit.images.count * paddedRows - (kernelHeight - 1)) * outWidth
                    for kh in 0..<kernelHeight {
                        gemm(transposeA: true, m: pixelFloats, n: outChannels, k: pixels,
                             a: unfolded + kh * rowFloats, lda: pixelFloats, b: grid, ldb: outChannels,
                             beta: 1, c: partial + kh * pixelFloats * outChannels, ldc: outChannels)
                    }
                }
            }
        }
        weightGradient.update(from: scratch, count: weightCount)
        for group in 1..<max(groups.count, 1) {
            let partial = scratch + group * weightCount
            for index in 0..<weightCount { weightGradient[index] += partial[index] }
        }
    }

    /// The input gradient's convolution: stride 1 over the output gradient with the window flipped
    /// (padding `kernel - 1 - pad` on each side) and channels swapped.
    static func inputGradientShape(_ shape: ConvShape) -> ConvShape {
        let w = shape.window
        return ConvShape(batch: shape.batch, height: shape.outHeight, width: shape.outWidth,
                         inChannels: shape.outChannels, outChannels: shape.inChannels,
                         window: WindowGeometry(kernelHeight: w.kernelHeight, kernelWidth: w.kernelWidth,
                                                padTop: w.kernelHeight - 1 - w.padTop,
                                                padBottom: w.kernelHeight - 1 - w.padBottom,
                                                padLeft: w.kernelWidth - 1 - w.padLeft,
                                                padRight: w.kernelWidth - 1 - w.padRight))
    }

    /// Writes the weights of `inputGradientShape`: `flipped[kh', kw', co, ci] = weights[KH-1-kh', KW-1-kw', ci, co]`.
    static func flipWeights(_ flipped: UnsafeMutablePointer<Float>, _ weights: UnsafePointer<Float>, shape: ConvShape) {
        let kh = shape.window.kernelHeight, kw = shape.window.kernelWidth
        let cin = shape.inChannels, cout = shape.outChannels
        for tap in 0..<(kh * kw) {
            let source = weights + (kh * kw - 1 - tap) * cin * cout, target = flipped + tap * cin * cout
            for ci in 0..<cin {
                for co in 0..<cout { target[co * cin + ci] = source[ci * cout + co] }
            }
        }
    }
}

/// Hands out increasing integers to threads.
private final class WorkCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func take(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < limit else { return nil }
        value += 1
        return value - 1
    }
}

/// 1x1 stride-1 unpadded convolutions as GEMMs over fixed blocks, run on this module's threads.
///
/// OpenBLAS splits one GEMM statically between its threads, so when another process holds a core
/// the whole call waits for the slowest half. Here the rows (forward, input gradient) or the input
/// channels (weight gradient) are cut into blocks that depend only on the shape and are handed out
/// to whichever thread is free, each block one single-threaded GEMM; every output element is computed
/// by the same GEMM whichever thread runs it, so results stay bit-for-bit repeatable.
enum PointwiseConv {
    /// Whether `shape` takes this path: pointwise with weights of at most 256 Ki floats; larger
    /// weight matrices are better left to OpenBLAS, which packs them once for all rows.
    static func handles(_ shape: ConvShape) -> Bool {
        shape.window.isPointwise && shape.inChannels * shape.outChannels <= 1 << 18
    }

    /// Rows per block so that one block's input stays under `limit` floats, but at least 512 rows
    /// so that packing the weights costs little next to the block's multiply-adds.
    static func rowBlocks(rows: Int, width: Int, limit: Int) -> [Range<Int>] {
        let perBlock = max(512, limit / max(width, 1))
        return RowUnfoldConv.evenSplit(rows, into: (rows + perBlock - 1) / perBlock)
    }

    /// Scratch floats `forward` needs: the weights packed for the GEMM kernel.
    static func scratchSize(_ shape: ConvShape) -> Int {
        PackedOperand.scratchSize(.current, k: shape.inChannels, n: shape.outChannels)
    }

    /// `output = conv(input)`, or with `normalization` `conv(relu((input - mean) * scale + shift))`, the batch norm
    /// applied as the GEMM kernel reads the input. False, with nothing written, when the kernel cannot normalize
    /// (OpenBLAS) or its buffers could not be allocated.
    @discardableResult
    static func forward(output: UnsafeMutablePointer<Float>, outputStride: Int, input: UnsafePointer<Float>,
                        inputStride: Int, weights: UnsafePointer<Float>, shape: ConvShape, limit: Int,
                        scratch: UnsafeMutablePointer<Float>, normalization: BatchNormReading? = nil) -> Bool {
        let kernel = GemmKernel.current
        guard normalization == nil || kernel.normalizesWhileReading else { return false }
        let rows = shape.batch * shape.height * shape.width
        let blocks = rowBlocks(rows: rows, width: shape.inChannels + shape.outChannels, limit: limit)
        // Every block multiplies by the same weights: packed once here, not once per block.
        let packed = PackedOperand(kernel: kernel, k: shape.inChannels, n: shape.outChannels, b: weights,
                                   ldb: shape.outChannels, scratch: scratch)
        // Each block writes only its own flag.
        let done = UnsafeMutableBufferPointer<Bool>.allocate(capacity: blocks.count)
        defer { done.deallocate() }
        RowUnfoldConv.run(items: blocks.count, lanes: min(RowUnfoldConv.laneCount, blocks.count)) { _, index in
            let block = blocks[index]
            let a = input + block.lowerBound * inputStride, c = output + block.lowerBound * outputStride
            guard let normalization else {
                gemm(m: block.count, n: shape.outChannels, k: shape.inChannels, a: a, lda: inputStride, b: weights,
                     ldb: shape.outChannels, packedB: packed, c: c, ldc: outputStride)
                done[index] = true
                return
            }
            done[index] = kernel.runInRowBands(m: block.count, n: shape.outChannels, k: shape.inChannels, a: a,
                                               lda: inputStride, normalization: normalization, b: weights,
                                               ldb: shape.outChannels, packedB: packed, c: c, ldc: outputStride, threads: 1)
        }
        return !done.contains(false)
    }

    static func inputGradient(_ inputGradient: UnsafeMutablePointer<Float>, inputGradientStride: Int,
                              accumulate: Bool, outputGradient: UnsafePointer<Float>, outputGradientStride: Int,
                              weights: UnsafePointer<Float>, shape: ConvShape, limit: Int) {
        let rows = shape.batch * shape.height * shape.width
        let blocks = rowBlocks(rows: rows, width: shape.inChannels + shape.outChannels, limit: limit)
        RowUnfoldConv.run(items: blocks.count, lanes: min(RowUnfoldConv.laneCount, blocks.count)) { _, index in
            let block = blocks[index]
            gemm(transposeB: true, m: block.count, n: shape.inChannels, k: shape.outChannels,
                 a: outputGradient + block.lowerBound * outputGradientStride, lda: outputGradientStride,
                 b: weights, ldb: shape.outChannels, beta: accumulate ? 1 : 0,
                 c: inputGradient + block.lowerBound * inputGradientStride, ldc: inputGradientStride)
        }
    }
}
