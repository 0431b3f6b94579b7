import XCTest
@testable import CNN

/// Finite-difference checks of every non-convolution backward kernel.
final class KernelGradientTests: XCTestCase {
    func testBatchNormAllModes() {
        let rows = 2 * 3 * 5, channels = 3
        var random = TestRandom(seed: 11)
        let input = random.array(rows * channels, scale: 2)
        let gamma = random.array(channels), beta = random.array(channels)
        let projection = random.array(rows * channels)
        let runningMean = random.array(channels, scale: 0.3), runningVariance = random.array(channels).map { $0 * $0 + 0.5 }
        for mode in [BatchNormMode.training, .inference, .frozen] {
            func run(_ x: [Float], _ g: [Float], _ b: [Float]) -> (out: [Float], mean: [Float], invStd: [Float]) {
                var out = [Float](repeating: 0, count: x.count), mean = [Float](repeating: 0, count: channels)
                var invStd = mean, rm = runningMean, rv = runningVariance
                batchNormForward(output: &out, savedMean: &mean, savedInvStd: &invStd, runningMean: &rm,
                                 runningVariance: &rv, input: x, gamma: g, beta: b, rows: rows, channels: channels,
                                 mode: mode)
                return (out, mean, invStd)
            }
            let forward = run(input, gamma, beta)
            var dx = [Float](repeating: 0, count: input.count), dg = gamma, db = beta
            batchNormBackward(inputGradient: &dx, gammaGradient: &dg, betaGradient: &db, outputGradient: projection,
                              input: input, gamma: gamma, savedMean: forward.mean, savedInvStd: forward.invStd,
                              rows: rows, channels: channels, mode: mode)
            assertGradient("bn \(mode) input", at: input, analytic: dx) { projectedLoss(run($0, gamma, beta).out, projection) }
            assertGradient("bn \(mode) gamma", at: gamma, analytic: dg) { projectedLoss(run(input, $0, beta).out, projection) }
            assertGradient("bn \(mode) beta", at: beta, analytic: db) { projectedLoss(run(input, gamma, $0).out, projection) }
        }
    }

    func testBatchNormRunningStatistics() {
        var runningMean: [Float] = [0, 1], runningVariance: [Float] = [1, 2]
        let input: [Float] = [1, 2, 3, 4, 5, 9]
        var out = input, mean: [Float] = [0, 0], invStd: [Float] = [0, 0]
        batchNormForward(output: &out, savedMean: &mean, savedInvStd: &invStd, runningMean: &runningMean,
                         runningVariance: &runningVariance, input: input, gamma: [1, 1], beta: [0, 0],
                         rows: 3, channels: 2, mode: .training, momentum: 0.1)
        XCTAssertEqual(mean, [3, 5])
        XCTAssertEqual(runningMean[0], 0.3, accuracy: 1e-6)
        XCTAssertEqual(runningMean[1], 1.4, accuracy: 1e-6)
        XCTAssertEqual(runningVariance[0], 0.9 * 1 + 0.1 * 4, accuracy: 1e-6)
        XCTAssertEqual(runningVariance[1], 0.9 * 2 + 0.1 * 13, accuracy: 1e-6)
    }

    func testRelu() {
        var random = TestRandom(seed: 2)
        let input = random.awayFromZero(37), projection = random.array(37)
        func run(_ x: [Float]) -> [Float] {
            var out = x
            Elementwise.reluForward(output: &out, input: x, count: x.count)
            return out
        }
        var dx = input
        Elementwise.reluBackward(inputGradient: &dx, outputGradient: projection, output: run(input), count: 37)
        assertGradient("relu", at: input, analytic: dx) { projectedLoss(run($0), projection) }
    }

    func poolShapes() -> [PoolShape] {
        [PoolShape(batch: 2, height: 5, width: 6, channels: 2, window: WindowGeometry(kernel: 3, stride: 2, padding: 1)),
         PoolShape(batch: 1, height: 7, width: 7, channels: 3, window: .same(kernelHeight: 3, kernelWidth: 3, stride: 2, height: 6, width: 6)),
         PoolShape(batch: 1, height: 6, width: 6, channels: 3, window: .same(kernelHeight: 3, kernelWidth: 3, stride: 2, height: 6, width: 6)),
         PoolShape(batch: 2, height: 4, width: 5, channels: 2, window: WindowGeometry(kernel: 2, stride: 2))]
    }

    func testMaxPool() {
        for shape in poolShapes() {
            var random = TestRandom(seed: 5)
            let input = random.distinct(shape.batch * shape.height * shape.width * shape.channels)
            let outCount = shape.batch * shape.outHeight * shape.outWidth * shape.channels
            let projection = random.array(outCount)
            var argmax = [Int32](repeating: 0, count: outCount)
            func run(_ x: [Float]) -> [Float] {
                var out = [Float](repeating: 0, count: outCount)
                Pooling.maxPoolForward(output: &out, argmax: &argmax, input: x, shape: shape)
                return out
            }
            _ = run(input)
            var dx = input
            Pooling.maxPoolBackward(inputGradient: &dx, outputGradient: projection, argmax: argmax, shape: shape)
            assertGradient("maxpool", at: input, analytic: dx, step: 1e-3) { projectedLoss(run($0), projection) }
        }
    }

    func testAveragePool() {
        for shape in poolShapes() {
            for includePad in [true, false] {
                var random = TestRandom(seed: 6)
                let input = random.array(shape.batch * shape.height * shape.width * shape.channels)
                let outCount = shape.batch * shape.outHeight * shape.outWidth * shape.channels
                let projection = random.array(outCount)
                func run(_ x: [Float]) -> [Float] {
                    var out = [Float](repeating: 0, count: outCount)
                    Pooling.averagePoolForward(output: &out, input: x, shape: shape, countIncludePad: includePad)
                    return out
                }
                var dx = input
                Pooling.averagePoolBackward(inputGradient: &dx, outputGradient: projection, shape: shape,
                                            countIncludePad: includePad)
                assertGradient("avgpool", at: input, analytic: dx) { projectedLoss(run($0), projection) }
            }
        }
    }

    func testAveragePoolDivisors() {
        let shape = PoolShape(batch: 1, height: 2, width: 2, channels: 1, window: WindowGeometry(kernel: 3, padding: 1))
        var included = [Float](repeating: 0, count: 4), excluded = included
        Pooling.averagePoolForward(output: &included, input: [1, 1, 1, 1], shape: shape, countIncludePad: true)
        Pooling.averagePoolForward(output: &excluded, input: [1, 1, 1, 1], shape: shape, countIncludePad: false)
        XCTAssertEqual(included, [Float](repeating: 4.0 / 9.0, count: 4))
        XCTAssertEqual(excluded, [1, 1, 1, 1])
    }

    func testGlobalAveragePool() {
        var random = TestRandom(seed: 8)
        let input = random.array(2 * 15 * 3), projection = random.array(6)
        func run(_ x: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: 6)
            Pooling.globalAveragePoolForward(output: &out, input: x, batch: 2, pixels: 15, channels: 3)
            return out
        }
        var dx = input
        Pooling.globalAveragePoolBackward(inputGradient: &dx, outputGradient: projection, batch: 2, pixels: 15, channels: 3)
        assertGradient("gap", at: input, analytic: dx) { projectedLoss(run($0), projection) }
    }

    func testConcat() {
        var random = TestRandom(seed: 9)
        let a = random.array(6 * 2), b = random.array(6 * 3), projection = random.array(6 * 5)
        var out = [Float](repeating: 0, count: 30)
        a.withPointer { pa in b.withPointer { pb in ConcatKernels.forward(output: &out, parts: [pa, pb], channels: [2, 3], rows: 6) } }
        XCTAssertEqual(Array(out[0..<5]), [a[0], a[1], b[0], b[1], b[2]])
        var da = a, db = b
        da.withUnsafeMutableBufferPointer { pa in
            db.withUnsafeMutableBufferPointer { pb in
                ConcatKernels.backward(partGradients: [pa.baseAddress!, pb.baseAddress!], outputGradient: projection,
                                       channels: [2, 3], rows: 6)
            }
        }
        XCTAssertEqual(Array(db[3..<6]), Array(projection[7..<10]))
        XCTAssertEqual(Array(da[0..<2]), Array(projection[0..<2]))
    }

    func testDense() {
        var random = TestRandom(seed: 10)
        let input = random.array(3 * 5), weights = random.array(5 * 4), bias = random.array(4), projection = random.array(12)
        func run(_ x: [Float], _ w: [Float], _ b: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: 12)
            DenseKernels.forward(output: &out, input: x, weights: w, bias: b, batch: 3, inFeatures: 5, outFeatures: 4)
            return out
        }
        var dx = input, dw = weights, db = bias
        DenseKernels.backward(inputGradient: &dx, weightGradient: &dw, biasGradient: &db, outputGradient: projection,
                              input: input, weights: weights, batch: 3, inFeatures: 5, outFeatures: 4)
        assertGradient("dense input", at: input, analytic: dx) { projectedLoss(run($0, weights, bias), projection) }
        assertGradient("dense weights", at: weights, analytic: dw) { projectedLoss(run(input, $0, bias), projection) }
        assertGradient("dense bias", at: bias, analytic: db) { projectedLoss(run(input, weights, $0), projection) }
    }

    func testDropout() {
        var random = TestRandom(seed: 12)
        let input = random.array(4000), projection = random.array(4000)
        var mask = input
        func run(_ x: [Float]) -> [Float] {
            var out = x
            DropoutKernels.forward(output: &out, mask: &mask, input: x, count: x.count, rate: 0.3, seed: 99)
            return out
        }
        let first = run(input), firstMask = mask
        XCTAssertEqual(run(input), first, "same seed, same mask")
        let kept = firstMask.filter { $0 != 0 }.count
        XCTAssertEqual(Double(kept) / 4000, 0.7, accuracy: 0.03)
        XCTAssertEqual(firstMask.first { $0 != 0 } ?? 0, 1 / 0.7, accuracy: 1e-6)
        var dx = input
        DropoutKernels.backward(inputGradient: &dx, outputGradient: projection, mask: firstMask, count: 4000)
        assertGradient("dropout", at: input, analytic: dx) { projectedLoss(run($0), projection) }
    }

    func testSoftmax() {
        var random = TestRandom(seed: 13)
        let logits = random.array(3 * 4, scale: 3), projection = random.array(12)
        func run(_ x: [Float]) -> [Float] {
            var out = x
            Softmax.forward(output: &out, logits: x, rows: 3, classes: 4)
            return out
        }
        var dx = logits
        Softmax.backward(logitsGradient: &dx, outputGradient: projection, output: run(logits), rows: 3, classes: 4)
        assertGradient("softmax", at: logits, analytic: dx) { projectedLoss(run($0), projection) }
        var huge = [Float](repeating: 0, count: 3)
        Softmax.forward(output: &huge, logits: [1000, 1000, -1000], rows: 1, classes: 3)
        XCTAssertEqual(huge, [0.5, 0.5, 0])
    }

    func testSoftmaxCrossEntropy() {
        var random = TestRandom(seed: 14)
        let logits = random.array(5 * 4, scale: 3)
        let labels: [Int32] = [0, 3, 1, 1, 2]
        let weights: [Float] = [0.5, 2, 1, 1.5]
        for (classWeights, smoothing) in [(nil, Float(0)), (weights, 0), (nil, 0.1), (weights, 0.2)] as [([Float]?, Float)] {
            var probabilities = logits
            func loss(_ x: [Float]) -> Double {
                Double(Softmax.crossEntropyForward(probabilities: &probabilities, logits: x, labels: labels,
                                                   classWeights: classWeights, labelSmoothing: smoothing,
                                                   rows: 5, classes: 4))
            }
            _ = loss(logits)
            var dx = logits
            Softmax.crossEntropyBackward(logitsGradient: &dx, probabilities: probabilities, labels: labels,
                                         classWeights: classWeights, labelSmoothing: smoothing, rows: 5, classes: 4)
            assertGradient("cross-entropy", at: logits, analytic: dx, loss: loss)
        }
    }
}
