import XCTest
@testable import CNN

/// The stride-1 row-unfold and Winograd convolutions and the threaded pointwise path against a direct reference,
/// across unit layouts (whole images, several images per unit, bands of rows), strided buffers,
/// accumulation, and thread counts.
final class RowUnfoldConvTests: XCTestCase {
    /// Direct loops in Double: `(y, dx, dw)` for output gradient `dy`.
    static func reference(_ x: [Float], _ w: [Float], _ dy: [Float], _ shape: ConvShape) -> ([Float], [Float], [Float]) {
        let g = shape.window, cin = shape.inChannels, cout = shape.outChannels
        var y = [Double](repeating: 0, count: shape.batch * shape.outHeight * shape.outWidth * cout)
        var dx = [Double](repeating: 0, count: x.count), dw = [Double](repeating: 0, count: w.count)
        for n in 0..<shape.batch {
            for oh in 0..<shape.outHeight {
                for ow in 0..<shape.outWidth {
                    let o = ((n * shape.outHeight + oh) * shape.outWidth + ow) * cout
                    for kh in 0..<g.kernelHeight {
                        let ih = oh * g.strideHeight - g.padTop + kh
                        guard ih >= 0 && ih < shape.height else { continue }
                        for kw in 0..<g.kernelWidth {
                            let iw = ow * g.strideWidth - g.padLeft + kw
                            guard iw >= 0 && iw < shape.width else { continue }
                            let i = ((n * shape.height + ih) * shape.width + iw) * cin
                            for ci in 0..<cin {
                                let wBase = ((kh * g.kernelWidth + kw) * cin + ci) * cout
                                for co in 0..<cout {
                                    y[o + co] += Double(x[i + ci]) * Double(w[wBase + co])
                                    dx[i + ci] += Double(dy[o + co]) * Double(w[wBase + co])
                                    dw[wBase + co] += Double(x[i + ci]) * Double(dy[o + co])
                                }
                            }
                        }
                    }
                }
            }
        }
        return (y.map(Float.init), dx.map(Float.init), dw.map(Float.init))
    }

    /// Runs forward and backward with strided buffers (2 spare input channels, 1 spare output
    /// channel before the outputs), accumulating the input gradient onto ones.
    static func run(_ x: [Float], _ w: [Float], _ dy: [Float], _ shape: ConvShape,
                    arena: ScratchArena) -> ([Float], [Float], [Float]) {
        let cin = shape.inChannels, cout = shape.outChannels
        let pixels = shape.batch * shape.height * shape.width, outPixels = shape.batch * shape.outHeight * shape.outWidth
        let inStride = cin + 2, outStride = cout + 1
        let wideX = Tensor(shape: [pixels, inStride]), wideDy = Tensor(shape: [outPixels, outStride])
        for p in 0..<pixels { for c in 0..<cin { wideX.data[p * inStride + c] = x[p * cin + c] } }
        for p in 0..<outPixels { for c in 0..<cout { wideDy.data[p * outStride + 1 + c] = dy[p * cout + c] } }
        let y = Tensor(shape: [outPixels, outStride])
        let dx = Tensor(shape: [pixels, inStride], values: [Float](repeating: 1, count: pixels * inStride))
        let dw = Tensor(shape: [w.count])
        w.withPointer { wp in
            conv2dForward(output: y.data + 1, outputStride: outStride, input: wideX.data, inputStride: inStride,
                          weights: wp, bias: nil, shape: shape, arena: arena)
            conv2dBackward(inputGradient: dx.data, inputGradientStride: inStride, accumulateInputGradient: true,
                           weightGradient: dw.data, biasGradient: nil, outputGradient: wideDy.data + 1,
                           outputGradientStride: outStride, input: wideX.data, inputStride: inStride,
                           weights: wp, shape: shape, arena: arena)
        }
        for p in 0..<outPixels { XCTAssertEqual(y.data[p * outStride], 0, "spare output channel written") }
        for p in 0..<pixels { for c in cin..<inStride { XCTAssertEqual(dx.data[p * inStride + c], 1, "spare dx channel") } }
        let yOut = (0..<outPixels).flatMap { p in (0..<cout).map { y.data[p * outStride + 1 + $0] } }
        let dxOut = (0..<pixels).flatMap { p in (0..<cin).map { dx.data[p * inStride + $0] - 1 } }
        return (yOut, dxOut, dw.array)
    }

    func check(_ window: WindowGeometry, batch: Int, height: Int, width: Int, inChannels: Int, outChannels: Int,
               preferredLimit: Int? = nil, file: StaticString = #filePath, line: UInt = #line) {
        let shape = ConvShape(batch: batch, height: height, width: width, inChannels: inChannels,
                              outChannels: outChannels, window: window)
        XCTAssertTrue(RowUnfoldConv.handles(shape) || PointwiseConv.handles(shape), file: file, line: line)
        var random = TestRandom(seed: 17)
        let x = random.array(batch * height * width * inChannels), w = random.array(shape.patchSize * outChannels)
        let dy = random.array(batch * shape.outHeight * shape.outWidth * outChannels)
        let (y, dx, dw) = Self.reference(x, w, dy, shape)
        let arena = ScratchArena()
        if let preferredLimit { arena.preferredLimit = preferredLimit }
        let got = Self.run(x, w, dy, shape, arena: arena)
        let label = "\(window) batch \(batch) limit \(preferredLimit ?? -1)"
        assertClose(got.0, y, relative: 1e-4, "\(label) y", file: file, line: line)
        assertClose(got.1, dx, relative: 1e-4, "\(label) dx", file: file, line: line)
        assertClose(got.2, dw, relative: 1e-4, "\(label) dw", file: file, line: line)
        // One thread gives the same bits as several.
        let saved = RowUnfoldConv.maxLanes
        RowUnfoldConv.maxLanes = 1
        let single = Self.run(x, w, dy, shape, arena: arena)
        RowUnfoldConv.maxLanes = saved
        XCTAssertEqual(single.0, got.0, "\(label) y differs with one thread", file: file, line: line)
        XCTAssertEqual(single.1, got.1, "\(label) dx differs with one thread", file: file, line: line)
        XCTAssertEqual(single.2, got.2, "\(label) dw differs with one thread", file: file, line: line)
    }

    func testUnitLayouts() {
        let window = WindowGeometry(kernel: 3, padding: 1)
        // Default arena: 2 images per unit (batch 8 gives 4 units).
        check(window, batch: 8, height: 5, width: 6, inChannels: 3, outChannels: 4)
        // One image per unit.
        check(window, batch: 3, height: 5, width: 6, inChannels: 3, outChannels: 4)
        // Bands of 2 and of 1 output rows.
        check(window, batch: 3, height: 5, width: 6, inChannels: 3, outChannels: 4, preferredLimit: 8 * 6 * 9 * 4)
        check(window, batch: 2, height: 5, width: 6, inChannels: 3, outChannels: 4, preferredLimit: 1)
    }

    func testWindows() {
        let windows = [WindowGeometry(kernel: 3),
                       WindowGeometry(kernelHeight: 5, kernelWidth: 4, padTop: 2, padBottom: 1, padLeft: 0, padRight: 3),
                       WindowGeometry(kernelHeight: 1, kernelWidth: 3, padLeft: 1, padRight: 1),
                       WindowGeometry(kernelHeight: 3, kernelWidth: 1, padTop: 2, padBottom: 0),
                       WindowGeometry.same(kernelHeight: 2, kernelWidth: 2, stride: 1, height: 5, width: 6)]
        for window in windows {
            for limit in [nil, 1] {
                check(window, batch: 6, height: 5, width: 6, inChannels: 2, outChannels: 3, preferredLimit: limit)
            }
        }
    }

    func testPointwise() {
        for limit in [nil, 64] {
            check(WindowGeometry(kernel: 1), batch: 5, height: 13, width: 17, inChannels: 5, outChannels: 3,
                  preferredLimit: limit)
        }
    }

    /// 3x3 stride-1 shapes with at least 64 output pixels take the Winograd path (the input gradient
    /// too): even and odd sizes (partial tiles), unpadded and asymmetric padding, whole-image units
    /// and bands of tile rows; the row-unfold path must agree.
    func testWinograd() {
        let windows = [WindowGeometry(kernel: 3, padding: 1), WindowGeometry(kernel: 3),
                       WindowGeometry(kernelHeight: 3, kernelWidth: 3, padTop: 2, padBottom: 0, padLeft: 0, padRight: 1)]
        for window in windows {
            for (height, width) in [(10, 10), (13, 11)] {
                let shape = ConvShape(batch: 5, height: height, width: width, inChannels: 3, outChannels: 4, window: window)
                XCTAssertTrue(Winograd3x3.handles(shape) && Winograd3x3.handles(RowUnfoldConv.inputGradientShape(shape)))
                for limit in [nil, 1, 8 * 2 * 6 * 112] {
                    check(window, batch: 5, height: height, width: width, inChannels: 3, outChannels: 4, preferredLimit: limit)
                }
            }
        }
        // Against the row-unfold path on a DenseNet-like shape; 21 and 18 channels run the transforms' 16-lane
        // loops and their single-channel tails, forward and in the input gradient.
        let shape = ConvShape(batch: 3, height: 10, width: 10, inChannels: 21, outChannels: 18,
                              window: WindowGeometry(kernel: 3, padding: 1))
        var random = TestRandom(seed: 5)
        let x = random.array(3 * 100 * 21), w = random.array(shape.patchSize * 18), dy = random.array(3 * 100 * 18)
        let winograd = Self.run(x, w, dy, shape, arena: ScratchArena())
        Winograd3x3.enabled = false
        let rows = Self.run(x, w, dy, shape, arena: ScratchArena())
        Winograd3x3.enabled = true
        assertClose(winograd.0, rows.0, relative: 1e-4, "winograd y")
        assertClose(winograd.1, rows.1, relative: 1e-4, "winograd dx")
        XCTAssertEqual(winograd.2, rows.2, "weight gradients share the row-unfold path")
    }

    /// Finite differences through the public kernels for the Winograd path (8x9 outputs, partial tiles).
    func testWinogradFiniteDifferences() {
        let shape = ConvShape(batch: 2, height: 8, width: 9, inChannels: 2, outChannels: 3,
                              window: WindowGeometry(kernel: 3, padding: 1))
        XCTAssertTrue(Winograd3x3.handles(shape))
        var random = TestRandom(seed: 29)
        let x = random.array(2 * 72 * 2), w = random.array(shape.patchSize * 3, scale: 0.5)
        let dy = random.array(2 * 72 * 3)
        let (dx, dw, _) = ConvGradientTests.gradients(x, w, dy, shape)
        assertGradient("winograd input", at: x, analytic: dx) { projectedLoss(ConvGradientTests.convolve($0, w, nil, shape), dy) }
        assertGradient("winograd weights", at: w, analytic: dw) { projectedLoss(ConvGradientTests.convolve(x, $0, nil, shape), dy) }
    }

    /// Finite differences through the public kernels for a multi-image-unit layout.
    func testFiniteDifferences() {
        let shape = ConvShape(batch: 8, height: 4, width: 5, inChannels: 2, outChannels: 3,
                              window: WindowGeometry(kernel: 3, padding: 1))
        var random = TestRandom(seed: 23)
        let x = random.array(8 * 4 * 5 * 2), w = random.array(shape.patchSize * 3, scale: 0.5)
        let dy = random.array(8 * 4 * 5 * 3)
        let (dx, dw, _) = ConvGradientTests.gradients(x, w, dy, shape)
        assertGradient("row-unfold input", at: x, analytic: dx) { projectedLoss(ConvGradientTests.convolve($0, w, nil, shape), dy) }
        assertGradient("row-unfold weights", at: w, analytic: dw) { projectedLoss(ConvGradientTests.convolve(x, $0, nil, shape), dy) }
    }
}
