import XCTest
@testable import CNN

/// Finite-difference checks of `conv2dBackward` for every kernel shape the model zoo uses.
final class ConvGradientTests: XCTestCase {
    /// Runs forward on contiguous buffers and returns the output.
    static func convolve(_ input: [Float], _ weights: [Float], _ bias: [Float]?, _ shape: ConvShape) -> [Float] {
        var output = [Float](repeating: 0, count: shape.batch * shape.outHeight * shape.outWidth * shape.outChannels)
        let arena = ScratchArena()
        output.withUnsafeMutableBufferPointer { out in
            input.withPointer { x in
                weights.withPointer { w in
                    if let bias {
                        bias.withPointer { b in
                            conv2dForward(output: out.baseAddress!, outputStride: shape.outChannels, input: x,
                                          inputStride: shape.inChannels, weights: w, bias: b, shape: shape,
                                          arena: arena)
                        }
                    } else {
                        conv2dForward(output: out.baseAddress!, outputStride: shape.outChannels, input: x,
                                      inputStride: shape.inChannels, weights: w, bias: nil, shape: shape,
                                      arena: arena)
                    }
                }
            }
        }
        return output
    }

    /// Returns `(inputGradient, weightGradient, biasGradient)` for output gradient `projection`.
    static func gradients(_ input: [Float], _ weights: [Float], _ projection: [Float],
                          _ shape: ConvShape) -> ([Float], [Float], [Float]) {
        var dx = [Float](repeating: .nan, count: input.count)
        var dw = [Float](repeating: .nan, count: weights.count)
        var db = [Float](repeating: .nan, count: shape.outChannels)
        let arena = ScratchArena()
        dx.withUnsafeMutableBufferPointer { dxp in
            dw.withUnsafeMutableBufferPointer { dwp in
                db.withUnsafeMutableBufferPointer { dbp in
                    projection.withPointer { dy in
                        input.withPointer { x in
                            weights.withPointer { w in
                                conv2dBackward(inputGradient: dxp.baseAddress!, inputGradientStride: shape.inChannels,
                                               weightGradient: dwp.baseAddress!, biasGradient: dbp.baseAddress!,
                                               outputGradient: dy, outputGradientStride: shape.outChannels,
                                               input: x, inputStride: shape.inChannels, weights: w,
                                               shape: shape, arena: arena)
                            }
                        }
                    }
                }
            }
        }
        return (dx, dw, db)
    }

    func check(_ window: WindowGeometry, batch: Int = 2, height: Int = 5, width: Int = 6,
               inChannels: Int = 3, outChannels: Int = 4, seed: UInt64 = 1,
               file: StaticString = #filePath, line: UInt = #line) {
        let shape = ConvShape(batch: batch, height: height, width: width, inChannels: inChannels,
                              outChannels: outChannels, window: window)
        var random = TestRandom(seed: seed)
        let input = random.array(batch * height * width * inChannels)
        let weights = random.array(shape.patchSize * outChannels, scale: 0.5)
        let bias = random.array(outChannels)
        let projection = random.array(batch * shape.outHeight * shape.outWidth * outChannels)
        let (dx, dw, db) = Self.gradients(input, weights, projection, shape)
        let label = "\(window.kernelHeight)x\(window.kernelWidth)/s\(window.strideHeight)"
        assertGradient("\(label) input", at: input, analytic: dx, file: file, line: line) {
            projectedLoss(Self.convolve($0, weights, bias, shape), projection)
        }
        assertGradient("\(label) weights", at: weights, analytic: dw, file: file, line: line) {
            projectedLoss(Self.convolve(input, $0, bias, shape), projection)
        }
        assertGradient("\(label) bias", at: bias, analytic: db, file: file, line: line) {
            projectedLoss(Self.convolve(input, weights, $0, shape), projection)
        }
    }

    func testPointwise() { check(WindowGeometry(kernel: 1)) }
    func testPointwiseStride2() { check(WindowGeometry(kernel: 1, stride: 2)) }
    func test3x3Padded() { check(WindowGeometry(kernel: 3, padding: 1)) }
    func test3x3Stride2KerasSame() {
        let window = WindowGeometry.same(kernelHeight: 3, kernelWidth: 3, stride: 2, height: 6, width: 7)
        XCTAssertEqual([window.padTop, window.padBottom, window.padLeft, window.padRight], [0, 1, 1, 1])
        check(window, height: 6, width: 7)
    }
    func test5x5Stride2() { check(WindowGeometry(kernel: 5, stride: 2, padding: 2), height: 7, width: 5) }
    func test7x7Stride2Asymmetric() {
        check(WindowGeometry(kernelHeight: 7, kernelWidth: 7, strideHeight: 2, strideWidth: 2,
                             padTop: 2, padBottom: 3, padLeft: 3, padRight: 2), batch: 1, height: 7, width: 8,
              inChannels: 2, outChannels: 3)
    }
    func test1x7And7x1() {
        check(WindowGeometry(kernelHeight: 1, kernelWidth: 7, padLeft: 3, padRight: 3), height: 3, width: 7)
        check(WindowGeometry(kernelHeight: 7, kernelWidth: 1, padTop: 3, padBottom: 3), height: 7, width: 3)
    }
    func test1x3And3x1() {
        check(WindowGeometry(kernelHeight: 1, kernelWidth: 3, padLeft: 1, padRight: 1))
        check(WindowGeometry(kernelHeight: 3, kernelWidth: 1, padTop: 1, padBottom: 1))
    }
    func testUnpaddedValid() { check(WindowGeometry(kernel: 3), height: 5, width: 5, inChannels: 1, outChannels: 2) }

    /// Reading a channel slice of a wider buffer, writing into one, and accumulating input gradients
    /// must match the contiguous computation exactly.
    func testStridedInputAndOutput() {
        for window in [WindowGeometry(kernel: 1), WindowGeometry(kernel: 3, stride: 2, padding: 1)] {
            let shape = ConvShape(batch: 2, height: 5, width: 5, inChannels: 3, outChannels: 2, window: window)
            let pixels = 2 * 5 * 5, outPixels = 2 * shape.outHeight * shape.outWidth
            var random = TestRandom(seed: 7)
            let wide = random.array(pixels * 5), weights = random.array(shape.patchSize * 2)
            let projection = random.array(outPixels * 2)
            let narrow = (0..<pixels).flatMap { Array(wide[($0 * 5)..<($0 * 5 + 3)]) }
            let expected = Self.convolve(narrow, weights, nil, shape)
            let (expectedDx, expectedDw, _) = Self.gradients(narrow, weights, projection, shape)
            let arena = ScratchArena()
            let output = Tensor(shape: [outPixels, 4])
            let wideProjection = Tensor(shape: [outPixels, 3])
            for p in 0..<outPixels { for c in 0..<2 { wideProjection.data[p * 3 + c] = projection[p * 2 + c] } }
            let inputGradient = Tensor(shape: [pixels, 5], values: [Float](repeating: 1, count: pixels * 5))
            let weightGradient = Tensor(shape: [weights.count])
            wide.withPointer { x in
                weights.withPointer { w in
                    conv2dForward(output: output.data + 1, outputStride: 4, input: x, inputStride: 5, weights: w,
                                  bias: nil, shape: shape, arena: arena)
                    conv2dBackward(inputGradient: inputGradient.data, inputGradientStride: 5,
                                   accumulateInputGradient: true, weightGradient: weightGradient.data,
                                   biasGradient: nil, outputGradient: wideProjection.data, outputGradientStride: 3,
                                   input: x, inputStride: 5, weights: w, shape: shape, arena: arena)
                }
            }
            for p in 0..<outPixels {
                for c in 0..<2 { XCTAssertEqual(output.data[p * 4 + 1 + c], expected[p * 2 + c], accuracy: 1e-5) }
                XCTAssertEqual(output.data[p * 4], 0)
            }
            for p in 0..<pixels {
                for c in 0..<3 { XCTAssertEqual(inputGradient.data[p * 5 + c], 1 + expectedDx[p * 3 + c], accuracy: 1e-5) }
                for c in 3..<5 { XCTAssertEqual(inputGradient.data[p * 5 + c], 1) }
            }
            assertClose(weightGradient.array, expectedDw, relative: 1e-5, "weight gradient")
        }
    }

    /// Slicing the im2col matrix one output row at a time (slices end inside and across images)
    /// must give the same results as one slice for the whole batch.
    func testRowSlicedIm2colMatchesSingleSlice() {
        let windows = [WindowGeometry(kernel: 3, padding: 1),
                       WindowGeometry(kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2,
                                      padTop: 0, padBottom: 1, padLeft: 1, padRight: 1),
                       WindowGeometry(kernelHeight: 7, kernelWidth: 1, padTop: 3, padBottom: 3)]
        for window in windows {
            let shape = ConvShape(batch: 3, height: 5, width: 4, inChannels: 2, outChannels: 3, window: window)
            var random = TestRandom(seed: 3)
            let input = random.array(3 * 20 * 2), weights = random.array(shape.patchSize * 3)
            let projection = random.array(3 * shape.outHeight * shape.outWidth * 3)
            let expected = Self.convolve(input, weights, nil, shape)
            let (dx, dw, _) = Self.gradients(input, weights, projection, shape)
            let sliced = ScratchArena()
            sliced.preferredLimit = 1
            let y = Tensor(shape: [expected.count]), dx2 = Tensor(shape: [input.count]), dw2 = Tensor(shape: [weights.count])
            input.withPointer { x in
                weights.withPointer { w in
                    projection.withPointer { dy in
                        conv2dForward(output: y.data, outputStride: 3, input: x, inputStride: 2, weights: w, bias: nil,
                                      shape: shape, arena: sliced)
                        conv2dBackward(inputGradient: dx2.data, inputGradientStride: 2, weightGradient: dw2.data,
                                       biasGradient: nil, outputGradient: dy, outputGradientStride: 3, input: x,
                                       inputStride: 2, weights: w, shape: shape, arena: sliced)
                    }
                }
            }
            assertClose(y.array, expected, relative: 1e-5, "y")
            assertClose(dx2.array, dx, relative: 1e-5, "dx")
            assertClose(dw2.array, dw, relative: 1e-5, "dw")
        }
    }
}
