import XCTest
@testable import CNN

/// The SIMD main loops of the batch-norm and ReLU kernels against their scalar tails, which the
/// PyTorch fixtures cover: channels are independent, so one 37-channel call (two 16-lane blocks and
/// a tail of 5) must equal 37 one-channel calls.
final class LaneKernelTests: XCTestCase {
    let rows = 150, channels = 37

    func testBatchNormVectorLoopsEqualPerChannelCalls() {
        var random = TestRandom(seed: 11)
        let x = random.array(rows * channels, scale: 3).enumerated().map { $0.element + Float($0.offset % channels) }
        let dy = random.array(rows * channels), gamma = random.array(channels), beta = random.array(channels)
        for mode in [BatchNormMode.training, .frozen] {
            let whole = run(x, dy, gamma, beta, channels: channels, offset: 0, stride: channels, mode: mode)
            for c in 0..<channels {
                let single = run(x, dy, gamma, beta, channels: 1, offset: c, stride: channels, mode: mode)
                for row in 0..<rows {
                    XCTAssertEqual(whole.y[row * channels + c], single.y[row], accuracy: 1e-5, "\(mode) y[\(row), \(c)]")
                    XCTAssertEqual(whole.dx[row * channels + c], single.dx[row], accuracy: 1e-5, "\(mode) dx[\(row), \(c)]")
                }
                XCTAssertEqual(whole.dgamma[c], single.dgamma[0], accuracy: 1e-3, "\(mode) dgamma[\(c)]")
                XCTAssertEqual(whole.dbeta[c], single.dbeta[0], accuracy: 1e-3, "\(mode) dbeta[\(c)]")
                XCTAssertEqual(whole.runningVariance[c], single.runningVariance[0], accuracy: 1e-4, "\(mode) var[\(c)]")
            }
        }
    }

    /// Max pooling over 37 channels (lanes and a tail), with ties, NaN and padding, against the definition: the
    /// first tap inside the image wins until a later one is strictly greater; without winners the same maxima.
    func testMaxPoolVectorLoopsMatchDefinition() {
        var random = TestRandom(seed: 13)
        let (height, width) = (5, 4)
        var x = random.array(2 * height * width * channels).map { ($0 * 4).rounded() }  // many ties
        x[5] = .nan
        x[channels * 3 + 20] = .nan
        let shape = PoolShape(batch: 2, height: height, width: width, channels: channels,
                              window: WindowGeometry(kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2,
                                                     padTop: 1, padBottom: 1, padLeft: 1, padRight: 1))
        let outputs = 2 * shape.outHeight * shape.outWidth * channels
        var y = [Float](repeating: 0, count: outputs), bare = y, winners = [Int32](repeating: 7, count: outputs)
        Pooling.maxPoolForward(output: &y, argmax: &winners, input: x, shape: shape)
        Pooling.maxPoolForward(output: &bare, argmax: nil, input: x, shape: shape)
        XCTAssertEqual(y.map(\.bitPattern), bare.map(\.bitPattern))
        for image in 0..<2 {
            for oh in 0..<shape.outHeight {
                for ow in 0..<shape.outWidth {
                    for c in 0..<channels {
                        var best: Float = -.infinity, winner: Int32 = -1
                        for ih in max(0, 2 * oh - 1)...min(height - 1, 2 * oh + 1) {
                            for iw in max(0, 2 * ow - 1)...min(width - 1, 2 * ow + 1) {
                                let value = x[((image * height + ih) * width + iw) * channels + c]
                                if winner < 0 || value > best { (best, winner) = (value, Int32(ih * width + iw)) }
                            }
                        }
                        let index = ((image * shape.outHeight + oh) * shape.outWidth + ow) * channels + c
                        XCTAssertEqual(y[index].bitPattern, best.bitPattern, "y[\(index)]")
                        XCTAssertEqual(winners[index], winner, "argmax[\(index)]")
                    }
                }
            }
        }
    }

    /// Average pooling over 37 channels equals 37 one-channel calls, with and without padded taps counted.
    func testAveragePoolVectorLoopsEqualPerChannelCalls() {
        var random = TestRandom(seed: 14)
        let (height, width) = (5, 6), x = random.array(2 * height * width * channels)
        let window = WindowGeometry(kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2,
                                    padTop: 1, padBottom: 1, padLeft: 1, padRight: 1)
        for include in [false, true] {
            let shape = PoolShape(batch: 2, height: height, width: width, channels: channels, window: window)
            let pixels = 2 * shape.outHeight * shape.outWidth
            var whole = [Float](repeating: 0, count: pixels * channels)
            Pooling.averagePoolForward(output: &whole, input: x, shape: shape, countIncludePad: include)
            for c in 0..<channels {
                let column = (0..<(2 * height * width)).map { x[$0 * channels + c] }
                var single = [Float](repeating: 0, count: pixels)
                Pooling.averagePoolForward(output: &single, input: column,
                                           shape: PoolShape(batch: 2, height: height, width: width, channels: 1, window: window),
                                           countIncludePad: include)
                for pixel in 0..<pixels {
                    XCTAssertEqual(whole[pixel * channels + c].bitPattern, single[pixel].bitPattern, "include pad \(include), channel \(c)")
                }
            }
        }
    }

    func testReLUVectorLoopMatchesDefinition() {
        var random = TestRandom(seed: 12)
        var values = random.array(37)
        values[3] = .nan
        values[20] = -0.0
        values[36] = .infinity
        let gradient = random.array(37)
        var y = [Float](repeating: 7, count: 37), dx = y
        Elementwise.reluForward(output: &y, input: values, count: 37)
        Elementwise.reluBackward(inputGradient: &dx, outputGradient: gradient, output: y, count: 37)
        for i in 0..<37 {
            XCTAssertEqual(y[i], values[i] > 0 ? values[i] : 0, "y[\(i)]")
            XCTAssertEqual(dx[i], y[i] > 0 ? gradient[i] : 0, "dx[\(i)]")
        }
    }

    private struct Result { var y, dx, dgamma, dbeta, runningVariance: [Float] }

    /// Batch norm of `channels` channels starting at `offset` of the `[rows, stride]` inputs.
    private func run(_ x: [Float], _ dy: [Float], _ gamma: [Float], _ beta: [Float], channels: Int, offset: Int,
                     stride: Int, mode: BatchNormMode) -> Result {
        let pick = { (source: [Float]) in (0..<self.rows).flatMap { row in source[(row * stride + offset)..<(row * stride + offset + channels)] } }
        let g = Array(gamma[offset..<(offset + channels)]), b = Array(beta[offset..<(offset + channels)])
        var result = Result(y: .init(repeating: 0, count: rows * channels), dx: .init(repeating: 0, count: rows * channels),
                            dgamma: .init(repeating: 0, count: channels), dbeta: .init(repeating: 0, count: channels),
                            runningVariance: .init(repeating: 1, count: channels))
        var runningMean = [Float](repeating: 0.5, count: channels)
        var savedMean = [Float](repeating: 0, count: channels), savedInvStd = savedMean
        let outputGradient = pick(dy)
        x.withUnsafeBufferPointer { input in
            batchNormForward(output: &result.y, savedMean: &savedMean, savedInvStd: &savedInvStd,
                             runningMean: &runningMean, runningVariance: &result.runningVariance,
                             input: input.baseAddress! + offset, gamma: g, beta: b, inputStride: stride, rows: rows,
                             channels: channels, mode: mode, epsilon: 1e-3)
            batchNormBackward(inputGradient: &result.dx, gammaGradient: &result.dgamma, betaGradient: &result.dbeta,
                              outputGradient: outputGradient, input: input.baseAddress! + offset, gamma: g,
                              savedMean: savedMean, savedInvStd: savedInvStd, inputStride: stride, rows: rows,
                              channels: channels, mode: mode)
        }
        return result
    }
}

/// A batch norm with its ReLU fused in equals a batch norm followed by a ReLU layer, forward and
/// backward, in training and frozen mode.
final class FusedReLUTests: XCTestCase {
    func testFusedBatchNormReLUEqualsSeparateLayers() throws {
        var random = TestRandom(seed: 14)
        let input = Tensor(shape: [2, 5, 3, 37], values: random.array(2 * 5 * 3 * 37, scale: 2))
        let outputGradient = Tensor(shape: input.shape, values: random.array(input.count))
        let gamma = random.array(37), beta = random.array(37, scale: 0.5)
        for frozen in [false, true] {
            func make(fused: Bool) -> (Graph, BatchNormLayer) {
                let graph = Graph()
                let norm = BatchNormLayer(name: "bn", channels: 37)
                norm.gamma.value.data.update(from: gamma, count: 37)
                norm.beta.value.data.update(from: beta, count: 37)
                norm.gamma.isFrozen = frozen
                norm.beta.isFrozen = frozen
                graph.add(norm, inputs: [graph.input])
                if fused { norm.appliesReLU = true } else { graph.append(ReLULayer(name: "relu")) }
                return (graph, norm)
            }
            let (separate, separateNorm) = make(fused: false), (fused, fusedNorm) = make(fused: true)
            let a = try separate.forward(input, mode: .training), b = try fused.forward(input, mode: .training)
            XCTAssertEqual(a.count, b.count)
            assertClose(Array(UnsafeBufferPointer(start: b.data, count: b.count)),
                        Array(UnsafeBufferPointer(start: a.data, count: a.count)), relative: 1e-6, "y, frozen \(frozen)")
            let context = LayerContext(mode: .training, arena: ScratchArena())
            let reluGradient = ReLULayer(name: "check")
            _ = try reluGradient.forward([try BatchNormReference.normalized(input, separateNorm)], context: context)
            let masked = reluGradient.backward(outputGradient, inputNeedsGradient: [true], context: context)[0]!
            let dxSeparate = separateNorm.backward(masked, inputNeedsGradient: [true], context: context)[0]!
            let dxFused = fusedNorm.backward(outputGradient, inputNeedsGradient: [true], context: context)[0]!
            assertClose(Array(UnsafeBufferPointer(start: dxFused.data, count: dxFused.count)),
                        Array(UnsafeBufferPointer(start: dxSeparate.data, count: dxSeparate.count)), relative: 1e-6,
                        "dx, frozen \(frozen)")
            if !frozen {
                assertClose(Array(UnsafeBufferPointer(start: fusedNorm.gamma.gradient.data, count: 37)),
                            Array(UnsafeBufferPointer(start: separateNorm.gamma.gradient.data, count: 37)),
                            relative: 1e-6, "dgamma")
            }
        }
    }
}

/// What a batch norm with `norm`'s parameters outputs before any ReLU.
private enum BatchNormReference {
    static func normalized(_ input: Tensor, _ norm: BatchNormLayer) throws -> Tensor {
        let graph = Graph()
        let copy = BatchNormLayer(name: "copy", channels: norm.channels)
        copy.gamma.value.copy(from: norm.gamma.value)
        copy.beta.value.copy(from: norm.beta.value)
        copy.gamma.isFrozen = norm.gamma.isFrozen
        copy.beta.isFrozen = norm.beta.isFrozen
        graph.add(copy, inputs: [graph.input])
        return try graph.forward(input, mode: .training)
    }
}
