import XCTest
@testable import CNN

/// Every kernel's forward and backward against PyTorch (float64 references) within 1e-4 relative.
final class TorchKernelTests: XCTestCase {
    func testConv2d() throws {
        for c in try Fixture.cases("conv") {
            let kernel = c.ints("kernel"), stride = c.ints("stride"), pad = c.ints("padding")
            let window = WindowGeometry(kernelHeight: kernel[0], kernelWidth: kernel[1], strideHeight: stride[0],
                                        strideWidth: stride[1], padTop: pad[0], padBottom: pad[1],
                                        padLeft: pad[2], padRight: pad[3])
            let shape = ConvShape(batch: c.int("batch"), height: c.int("height"), width: c.int("width"),
                                  inChannels: c.int("inChannels"), outChannels: c.int("outChannels"), window: window)
            let x = c.tensor("x"), w = c.tensor("w"), dy = c.tensor("dy")
            let bias = c.has("b") ? c.tensor("b") : nil
            let y = Tensor(shape: c.shape("y")), dx = Tensor(shape: x.shape), dw = Tensor(shape: w.shape)
            let db = Tensor(shape: [shape.outChannels])
            let arena = ScratchArena()
            conv2dForward(output: y.data, outputStride: shape.outChannels, input: x.data, inputStride: shape.inChannels,
                          weights: w.data, bias: bias?.data, shape: shape, arena: arena)
            conv2dBackward(inputGradient: dx.data, inputGradientStride: shape.inChannels, weightGradient: dw.data,
                           biasGradient: bias == nil ? nil : db.data, outputGradient: dy.data,
                           outputGradientStride: shape.outChannels, input: x.data, inputStride: shape.inChannels,
                           weights: w.data, shape: shape, arena: arena)
            let name = c.string("name")
            XCTAssertEqual([shape.batch, shape.outHeight, shape.outWidth, shape.outChannels], c.shape("y"), name)
            assertClose(y.array, c.floats("y"), relative: 1e-4, "\(name) y")
            assertClose(dx.array, c.floats("dx"), relative: 1e-4, "\(name) dx")
            assertClose(dw.array, c.floats("dw"), relative: 1e-4, "\(name) dw")
            if bias != nil { assertClose(db.array, c.floats("db"), relative: 1e-4, "\(name) db") }
            withExtendedLifetime((x, w, dy, bias)) {}
        }
    }

    func testBatchNorm() throws {
        for c in try Fixture.cases("batchnorm") {
            let mode: BatchNormMode = ["training": .training, "inference": .inference, "frozen": .frozen][c.string("mode")]!
            let x = c.tensor("x"), channels = x.channels
            let y = Tensor(shape: x.shape), dx = Tensor(shape: x.shape)
            let mean = Tensor(shape: [channels]), invStd = Tensor(shape: [channels])
            let dgamma = Tensor(shape: [channels]), dbeta = Tensor(shape: [channels])
            let runningMean = c.tensor("runningMean"), runningVariance = c.tensor("runningVariance")
            let gamma = c.tensor("gamma"), beta = c.tensor("beta"), dy = c.tensor("dy")
            batchNormForward(output: y.data, savedMean: mean.data, savedInvStd: invStd.data,
                             runningMean: runningMean.data, runningVariance: runningVariance.data, input: x.data,
                             gamma: gamma.data, beta: beta.data, rows: x.rows, channels: channels, mode: mode)
            batchNormBackward(inputGradient: dx.data, gammaGradient: dgamma.data, betaGradient: dbeta.data,
                              outputGradient: dy.data, input: x.data, gamma: gamma.data,
                              savedMean: mean.data, savedInvStd: invStd.data, rows: x.rows, channels: channels, mode: mode)
            let name = c.string("mode")
            assertClose(y.array, c.floats("y"), relative: 1e-4, "\(name) y")
            assertClose(dx.array, c.floats("dx"), relative: 1e-4, "\(name) dx")
            assertClose(dgamma.array, c.floats("dgamma"), relative: 1e-4, "\(name) dgamma")
            assertClose(dbeta.array, c.floats("dbeta"), relative: 1e-4, "\(name) dbeta")
            assertClose(runningMean.array, c.floats("newRunningMean"), relative: 1e-4, "\(name) running mean")
            assertClose(runningVariance.array, c.floats("newRunningVariance"), relative: 1e-4, "\(name) running var")
            withExtendedLifetime((x, gamma, beta, dy)) {}
        }
    }

    func testPooling() throws {
        for c in try Fixture.cases("pool") {
            let x = c.tensor("x"), pad = c.ints("padding"), kind = c.string("kind")
            let window = WindowGeometry(kernelHeight: c.int("kernel"), kernelWidth: c.int("kernel"),
                                        strideHeight: c.int("stride"), strideWidth: c.int("stride"),
                                        padTop: pad[0], padBottom: pad[1], padLeft: pad[2], padRight: pad[3])
            let shape = PoolShape(batch: x.shape[0], height: x.shape[1], width: x.shape[2], channels: x.shape[3],
                                  window: window)
            let y = Tensor(shape: c.shape("y")), dx = Tensor(shape: x.shape), dy = c.tensor("dy")
            XCTAssertEqual([shape.batch, shape.outHeight, shape.outWidth, shape.channels], y.shape, kind)
            if kind == "max" {
                var argmax = [Int32](repeating: 0, count: y.count)
                Pooling.maxPoolForward(output: y.data, argmax: &argmax, input: x.data, shape: shape)
                Pooling.maxPoolBackward(inputGradient: dx.data, outputGradient: dy.data, argmax: argmax, shape: shape)
            } else {
                let include = kind == "avg-include"
                Pooling.averagePoolForward(output: y.data, input: x.data, shape: shape, countIncludePad: include)
                Pooling.averagePoolBackward(inputGradient: dx.data, outputGradient: dy.data, shape: shape,
                                            countIncludePad: include)
            }
            assertClose(y.array, c.floats("y"), relative: 1e-4, "\(kind) y")
            assertClose(dx.array, c.floats("dx"), relative: 1e-4, "\(kind) dx")
            withExtendedLifetime((x, dy)) {}
        }
    }

    func testGlobalAveragePoolReluConcatDenseSoftmax() throws {
        let misc = Fixture(object: try XCTUnwrap(Fixture.load("misc") as? [String: Any]))

        let gap = misc["gap"], gx = gap.tensor("x")
        let gy = Tensor(shape: gap.shape("y")), gdx = Tensor(shape: gx.shape), gdy = gap.tensor("dy")
        let pixels = gx.shape[1] * gx.shape[2]
        Pooling.globalAveragePoolForward(output: gy.data, input: gx.data, batch: gx.shape[0], pixels: pixels, channels: gx.channels)
        Pooling.globalAveragePoolBackward(inputGradient: gdx.data, outputGradient: gdy.data,
                                          batch: gx.shape[0], pixels: pixels, channels: gx.channels)
        assertClose(gy.array, gap.floats("y"), relative: 1e-4, "gap y")
        assertClose(gdx.array, gap.floats("dx"), relative: 1e-4, "gap dx")

        let relu = misc["relu"], rx = relu.tensor("x")
        let ry = Tensor(shape: rx.shape), rdx = Tensor(shape: rx.shape), rdy = relu.tensor("dy")
        Elementwise.reluForward(output: ry.data, input: rx.data, count: rx.count)
        Elementwise.reluBackward(inputGradient: rdx.data, outputGradient: rdy.data, output: ry.data, count: rx.count)
        assertClose(ry.array, relu.floats("y"), relative: 1e-4, "relu y")
        assertClose(rdx.array, relu.floats("dx"), relative: 1e-4, "relu dx")

        let concat = misc["concat"], a = concat.tensor("a"), b = concat.tensor("b")
        let cy = Tensor(shape: concat.shape("y"))
        ConcatKernels.forward(output: cy.data, parts: [UnsafePointer(a.data), UnsafePointer(b.data)],
                              channels: [a.channels, b.channels], rows: a.rows)
        XCTAssertEqual(cy.array, concat.floats("y"))

        let dense = misc["dense"], x = dense.tensor("x"), w = dense.tensor("w")
        let (batch, inFeatures, outFeatures) = (x.shape[0], x.shape[1], w.shape[1])
        let y = Tensor(shape: [batch, outFeatures]), dx = Tensor(shape: x.shape), dw = Tensor(shape: w.shape)
        let db = Tensor(shape: [outFeatures]), bias = dense.tensor("b"), ddy = dense.tensor("dy")
        DenseKernels.forward(output: y.data, input: x.data, weights: w.data, bias: bias.data,
                             batch: batch, inFeatures: inFeatures, outFeatures: outFeatures)
        DenseKernels.backward(inputGradient: dx.data, weightGradient: dw.data, biasGradient: db.data,
                              outputGradient: ddy.data, input: x.data, weights: w.data,
                              batch: batch, inFeatures: inFeatures, outFeatures: outFeatures)
        assertClose(y.array, dense.floats("y"), relative: 1e-4, "dense y")
        assertClose(dx.array, dense.floats("dx"), relative: 1e-4, "dense dx")
        assertClose(dw.array, dense.floats("dw"), relative: 1e-4, "dense dw")
        assertClose(db.array, dense.floats("db"), relative: 1e-4, "dense db")

        let softmax = misc["softmax"], logits = softmax.tensor("x")
        let (rows, classes) = (logits.shape[0], logits.shape[1])
        let p = Tensor(shape: logits.shape), dlogits = Tensor(shape: logits.shape), sdy = softmax.tensor("dy")
        Softmax.forward(output: p.data, logits: logits.data, rows: rows, classes: classes)
        Softmax.backward(logitsGradient: dlogits.data, outputGradient: sdy.data, output: p.data,
                         rows: rows, classes: classes)
        assertClose(p.array, softmax.floats("y"), relative: 1e-4, "softmax y")
        assertClose(dlogits.array, softmax.floats("dx"), relative: 1e-4, "softmax dx")
        withExtendedLifetime((gx, gdy, rx, rdy, a, b, x, w, bias, ddy, logits, sdy)) {}
    }

    func testSoftmaxCrossEntropy() throws {
        let misc = try XCTUnwrap(Fixture.load("misc") as? [String: Any])
        for object in try XCTUnwrap(misc["crossEntropy"] as? [[String: Any]]) {
            let c = Fixture(object: object)
            let loss = SoftmaxCrossEntropy(classWeights: c.has("weights") ? c.floats("weights") : nil,
                                           labelSmoothing: c.float("smoothing"))
            let value = try loss.forward(logits: c.tensor("logits"), labels: c.ints("labels").map { Int32($0) })
            let label = "weights \(c.has("weights")) smoothing \(c.float("smoothing"))"
            XCTAssertEqual(value, c.float("loss"), accuracy: 1e-4 * abs(c.float("loss")), label)
            assertClose(loss.backward().array, c.floats("dx"), relative: 1e-4, label)
        }
    }
}
