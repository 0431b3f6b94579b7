import XCTest
@testable import CNN

/// The in-place dense block equals the same units wired as separate layers with concatenations:
/// outputs, running statistics, input gradients and every parameter gradient.
final class DenseBlockLayerTests: XCTestCase {
    static let (inputChannels, growth, width, unitCount) = (5, 3, 6, 3)

    /// A unit's four layers with seeded weights and random batch-norm scales.
    static func unit(_ index: Int, random: inout TestRandom) -> DenseBlockLayer.Unit {
        let c = inputChannels + index * growth
        let norm1 = BatchNormLayer(name: "u\(index).norm1", channels: c), norm2 = BatchNormLayer(name: "u\(index).norm2", channels: width)
        for norm in [norm1, norm2] {
            norm.gamma.value.copy(from: Tensor(shape: [norm.channels], values: random.array(norm.channels)))
            norm.beta.value.copy(from: Tensor(shape: [norm.channels], values: random.array(norm.channels, scale: 0.3)))
        }
        return DenseBlockLayer.Unit(
            norm1: norm1, conv1: Conv2DLayer(name: "u\(index).conv1", inChannels: c, outChannels: width, window: WindowGeometry(kernel: 1),
                                             bias: false, seed: UInt64(10 + index)),
            norm2: norm2, conv2: Conv2DLayer(name: "u\(index).conv2", inChannels: width, outChannels: growth,
                                             window: WindowGeometry(kernel: 3, padding: 1), bias: false, seed: UInt64(20 + index)))
    }

    /// The same unit as new layers with copied values.
    static func copy(_ unit: DenseBlockLayer.Unit) -> DenseBlockLayer.Unit {
        func copy(_ norm: BatchNormLayer) -> BatchNormLayer {
            let twin = BatchNormLayer(name: norm.name, channels: norm.channels)
            twin.gamma.value.copy(from: norm.gamma.value)
            twin.beta.value.copy(from: norm.beta.value)
            return twin
        }
        func copy(_ conv: Conv2DLayer) -> Conv2DLayer {
            let twin = Conv2DLayer(name: conv.name, inChannels: conv.inChannels, outChannels: conv.outChannels, window: conv.window, bias: false)
            twin.weight.value.copy(from: conv.weight.value)
            return twin
        }
        return DenseBlockLayer.Unit(norm1: copy(unit.norm1), conv1: copy(unit.conv1), norm2: copy(unit.norm2), conv2: copy(unit.conv2))
    }

    func testInPlaceBlockEqualsConcatenatedLayers() throws {
        for frozenFirstUnit in [false, true] {
            var random = TestRandom(seed: 41)
            let units = (0..<Self.unitCount).map { Self.unit($0, random: &random) }
            let twins = units.map(Self.copy)
            if frozenFirstUnit { for unit in [units[0], twins[0]] { unit.layers.forEach { $0.setFrozen(true) } } }

            let blockGraph = Graph()
            let stem = Conv2DLayer(name: "stem", inChannels: 2, outChannels: Self.inputChannels, window: WindowGeometry(kernel: 1), seed: 3)
            let stemTwin = Conv2DLayer(name: "stem", inChannels: 2, outChannels: Self.inputChannels, window: WindowGeometry(kernel: 1), seed: 3)
            blockGraph.add(stem, inputs: [blockGraph.input])
            blockGraph.append(try DenseBlockLayer(name: "block", inputChannels: Self.inputChannels, units: units))

            let plainGraph = Graph()
            var x = plainGraph.add(stemTwin, inputs: [plainGraph.input])
            for unit in twins {
                var y = plainGraph.add(unit.norm1, inputs: [x])
                y = plainGraph.add(ReLULayer(name: "relu1"), inputs: [y])
                y = plainGraph.add(unit.conv1, inputs: [y])
                y = plainGraph.add(unit.norm2, inputs: [y])
                y = plainGraph.add(ReLULayer(name: "relu2"), inputs: [y])
                y = plainGraph.add(unit.conv2, inputs: [y])
                x = plainGraph.add(ConcatLayer(name: "concat"), inputs: [x, y])
            }

            let input = Tensor(shape: [2, 5, 4, 2], values: random.array(80))
            let total = Self.inputChannels + Self.unitCount * Self.growth
            let projection = Tensor(shape: [2, 5, 4, total], values: random.array(40 * total))
            let label = "frozen first unit: \(frozenFirstUnit)"
            for _ in 0..<2 {  // the second step reuses every buffer
                let a = try blockGraph.forward(input, mode: .training), b = try plainGraph.forward(input, mode: .training)
                assertClose(a.array, b.array, relative: 1e-5, "output, \(label)")
                blockGraph.backward(projection)
                plainGraph.backward(projection)
                assertClose(stem.weight.gradient.array, stemTwin.weight.gradient.array, relative: 1e-4, "stem gradient, \(label)")
                for (unit, twin) in zip(units, twins) {
                    for (layer, twinLayer) in zip(unit.layers, twin.layers) where layer.isTrainable {
                        for (p, q) in zip(layer.parameters, twinLayer.parameters) {
                            assertClose(p.gradient.array, q.gradient.array, relative: 1e-4, "\(p.name) gradient, \(label)")
                        }
                    }
                    assertClose(unit.norm1.runningVariance.array, twin.norm1.runningVariance.array, relative: 1e-5, "running variance")
                }
            }
            let inference = try blockGraph.forward(input, mode: .inference), plain = try plainGraph.forward(input, mode: .inference)
            assertClose(inference.array, plain.array, relative: 1e-5, "inference output, \(label)")
            let before = Tensor.allocationCount
            _ = try blockGraph.forward(input, mode: .inference)
            XCTAssertEqual(Tensor.allocationCount, before, "inference reuses the units' shared buffers")
            // Training again after inference rebuilds what backward needs.
            _ = try blockGraph.forward(input, mode: .training)
            _ = try plainGraph.forward(input, mode: .training)
            blockGraph.backward(projection)
            plainGraph.backward(projection)
            assertClose(stem.weight.gradient.array, stemTwin.weight.gradient.array, relative: 1e-4, "stem gradient after inference, \(label)")
        }
    }

    /// In inference each unit's batch norms run inside its convolutions (the 1x1 GEMM on pipe's kernels, the
    /// 3x3 Winograd input transform on inputs of 8x8 and more); the block's output has the same bits as with
    /// separate batch-norm passes.
    func testInferenceWithTheBatchNormInsideTheGemmEqualsTheSeparatePass() throws {
        XCTAssertTrue(GemmKernel.current.normalizesWhileReading || GemmKernel.current == .openBLAS)
        var random = TestRandom(seed: 43)
        // 21 bottleneck channels: the Winograd transform's 16-lane and single-channel loops.
        let (inputChannels, width, growth) = (18, 21, 3)
        let units = (0..<3).map { index in
            let c = inputChannels + index * growth
            let norm1 = BatchNormLayer(name: "u\(index).norm1", channels: c), norm2 = BatchNormLayer(name: "u\(index).norm2", channels: width)
            for norm in [norm1, norm2] {
                norm.gamma.value.copy(from: Tensor(shape: [norm.channels], values: random.array(norm.channels)))
                norm.beta.value.copy(from: Tensor(shape: [norm.channels], values: random.array(norm.channels, scale: 0.3)))
                norm.runningMean.copy(from: Tensor(shape: [norm.channels], values: random.array(norm.channels, scale: 0.5)))
                norm.runningVariance.copy(from: Tensor(shape: [norm.channels], values: random.array(norm.channels).map { $0 * $0 + 0.2 }))
            }
            return DenseBlockLayer.Unit(
                norm1: norm1, conv1: Conv2DLayer(name: "u\(index).conv1", inChannels: c, outChannels: width, window: WindowGeometry(kernel: 1),
                                                 bias: false, seed: UInt64(30 + index)),
                norm2: norm2, conv2: Conv2DLayer(name: "u\(index).conv2", inChannels: width, outChannels: growth,
                                                 window: WindowGeometry(kernel: 3, padding: 1), bias: false, seed: UInt64(40 + index)))
        }
        let graph = Graph()
        graph.append(try DenseBlockLayer(name: "block", inputChannels: inputChannels, units: units))
        // 9 x 8 pixels: the 3x3 convolutions take the Winograd path (64 output pixels or more), padding included.
        let input = Tensor(shape: [3, 9, 8, inputChannels], values: random.array(216 * inputChannels, scale: 2))
        XCTAssertTrue(Winograd3x3.handles(ConvShape(batch: 3, height: 9, width: 8, inChannels: width, outChannels: growth,
                                                    window: WindowGeometry(kernel: 3, padding: 1))))
        defer { DenseBlockLayer.fusesNormalization = true }
        DenseBlockLayer.fusesNormalization = false
        let separate = try graph.forward(input, mode: .inference).array
        DenseBlockLayer.fusesNormalization = true
        let fused = try graph.forward(input, mode: .inference).array
        XCTAssertEqual(fused.map(\.bitPattern), separate.map(\.bitPattern))
        XCTAssertGreaterThan(Set(fused).count, fused.count / 2, "the output is not degenerate")
    }

    func testUnitsMustReadTheBlocksChannels() {
        var random = TestRandom(seed: 42)
        let units = [Self.unit(0, random: &random), Self.unit(0, random: &random)]
        XCTAssertThrowsError(try DenseBlockLayer(name: "block", inputChannels: Self.inputChannels, units: units)) { error in
            XCTAssertTrue("\(error)".contains("u0.conv1"), "\(error)")
        }
    }
}
