/// A DenseNet dense block: units of BN-ReLU-1x1 conv-BN-ReLU-3x3 conv, each appending its output
/// channels to one buffer that every later unit reads in place.
///
/// It computes what chaining the units with concatenations computes, without copying the growing
/// tensor once per unit: a unit's first batch norm reads the leading channels of the shared buffer
/// through its row stride, and its last convolution writes its channels into their slot. Backward
/// sums into one gradient buffer the same way. The units' layers only hold the parameters and
/// running statistics, under their own names, so weights load and freeze as for separate layers.
public final class DenseBlockLayer: Layer {
    /// One bottleneck unit; `conv1` reads `norm1`'s channels and `conv2` writes the unit's new channels.
    public struct Unit {
        public let norm1: BatchNormLayer, conv1: Conv2DLayer, norm2: BatchNormLayer, conv2: Conv2DLayer

        public init(norm1: BatchNormLayer, conv1: Conv2DLayer, norm2: BatchNormLayer, conv2: Conv2DLayer) {
            self.norm1 = norm1
            self.conv1 = conv1
            self.norm2 = norm2
            self.conv2 = conv2
        }

        var layers: [Layer] { [norm1, conv1, norm2, conv2] }
        var isTrainable: Bool { layers.contains { $0.isTrainable } }
    }

    /// What one unit's backward pass needs from its forward pass.
    private final class Saved {
        let mean1: Tensor, invStd1: Tensor, mean2: Tensor, invStd2: Tensor
        var normalized1: Tensor?, bottleneck: Tensor?, normalized2: Tensor?
        var mode1 = BatchNormMode.inference, mode2 = BatchNormMode.inference

        init(_ unit: Unit) {
            mean1 = Tensor(shape: [unit.norm1.channels])
            invStd1 = Tensor(shape: [unit.norm1.channels])
            mean2 = Tensor(shape: [unit.norm2.channels])
            invStd2 = Tensor(shape: [unit.norm2.channels])
        }
    }

    /// Whether inference lets the convolutions apply each unit's batch norms as they read their input (the
    /// 1x1 convolution's GEMM kernel, the 3x3 convolution's Winograd input transform) instead of separate
    /// passes; tests switch it off to compare.
    nonisolated(unsafe) static var fusesNormalization = true

    public let name: String
    public let units: [Unit]
    public let inputChannels: Int
    public let outputChannels: Int
    public var parameters: [Parameter] { units.flatMap { $0.layers.flatMap(\.parameters) } }
    public var sublayers: [Layer] { units.flatMap(\.layers) }

    private let saved: [Saved]
    private var output: Tensor?
    private var gradient: Tensor?
    private var inputGradient: Tensor?
    /// The most channels any unit's buffers have.
    private let widest: Int
    /// Three `rows x widest` buffers: the per-unit gradients in backward, and in inference, where nothing is
    /// kept for backward, the buffers every unit shares.
    private var scratch: Tensor?
    private var lastForwardTrained = false

    /// Throws unless each unit reads exactly the channels the block has at that point.
    public init(name: String, inputChannels: Int, units: [Unit]) throws {
        var channels = inputChannels
        for unit in units {
            guard unit.norm1.channels == channels, unit.conv1.inChannels == channels,
                  unit.norm2.channels == unit.conv1.outChannels, unit.conv2.inChannels == unit.conv1.outChannels else {
                throw CNNError.invalidConfiguration(layer: unit.conv1.name, reason: "a dense-block unit must read the block's \(channels) channels")
            }
            channels += unit.conv2.outChannels
        }
        self.name = name
        self.inputChannels = inputChannels
        self.outputChannels = channels
        self.units = units
        widest = units.map { max($0.norm1.channels, $0.conv1.outChannels) }.max() ?? 0
        saved = units.map(Saved.init)
    }

    public func forward(_ inputs: [Tensor], context: LayerContext) throws -> Tensor {
        try requireInputs(inputs, count: 1, rank: 4)
        let x = inputs[0]
        guard x.channels == inputChannels else {
            throw CNNError.shapeMismatch(layer: name, expected: Array(x.shape.dropLast()) + [inputChannels], actual: x.shape)
        }
        let (n, h, w, rows, total) = (x.shape[0], x.shape[1], x.shape[2], x.rows, outputChannels)
        let y = context.outputBuffer(&output, shape: [n, h, w, total])
        Elementwise.copyChannels(y.data, targetStride: total, x.data, sourceStride: inputChannels, rows: rows,
                                 channels: inputChannels)
        lastForwardTrained = context.mode == .training
        // Inference keeps one unit's buffers, not every unit's: DenseNet201's blocks hold about 1.7 GB of them
        // at batch 16, 224 px.
        // When the graph frees activations the shared buffers are pooled too, lent only while the block runs.
        let pooledScratch = lastForwardTrained ? nil : context.pool?.take([3, rows * widest])
        let shared = lastForwardTrained ? nil : pooledScratch?.data ?? scratchBuffers(rows: rows)
        defer { pooledScratch.map { context.pool!.giveBack($0) } }
        if !lastForwardTrained { for s in saved { (s.normalized1, s.bottleneck, s.normalized2) = (nil, nil, nil) } }
        var c = inputChannels
        for (unit, s) in zip(units, saved) {
            let width = unit.conv1.outChannels, growth = unit.conv2.outChannels
            let normalized1 = buffer(&s.normalized1, shared, shape: [n, h, w, c])
            let bottleneck = buffer(&s.bottleneck, shared.map { $0 + rows * widest }, shape: [n, h, w, width])
            let normalized2 = buffer(&s.normalized2, shared.map { $0 + 2 * rows * widest }, shape: [n, h, w, width])
            s.mode1 = unit.norm1.kernelMode(for: context.mode)
            s.mode2 = unit.norm2.kernelMode(for: context.mode)
            let shape1 = ConvShape(batch: n, height: h, width: w, inChannels: c, outChannels: width, window: unit.conv1.window)
            if lastForwardTrained || s.mode1 != .inference
                || !normalizedBottleneck(unit, s, into: bottleneck, input: y.data, inputStride: total, shape: shape1, context: context) {
                normalize(unit.norm1, into: normalized1, s.mean1, s.invStd1, input: y.data, inputStride: total, rows: rows,
                          mode: s.mode1, context: context)
                conv2dForward(output: bottleneck, outputStride: width, input: normalized1, inputStride: c,
                              weights: unit.conv1.weight.value.data, bias: unit.conv1.bias?.value.data, shape: shape1,
                              arena: context.arena)
            }
            let shape2 = ConvShape(batch: n, height: h, width: w, inChannels: width, outChannels: growth, window: unit.conv2.window)
            if lastForwardTrained || s.mode2 != .inference
                || !normalizedGrowth(unit, s, into: y.data + c, outputStride: total, input: bottleneck, shape: shape2, context: context) {
                normalize(unit.norm2, into: normalized2, s.mean2, s.invStd2, input: bottleneck, inputStride: width, rows: rows,
                          mode: s.mode2, context: context)
                conv2dForward(output: y.data + c, outputStride: total, input: normalized2, inputStride: width,
                              weights: unit.conv2.weight.value.data, bias: unit.conv2.bias?.value.data, shape: shape2,
                              arena: context.arena)
            }
            c += growth
        }
        return y
    }

    public func backward(_ outputGradient: Tensor, inputNeedsGradient: [Bool], context: LayerContext) -> [Tensor?] {
        guard let y = output, lastForwardTrained else { return [nil] }
        let (n, h, w, rows, total) = (y.shape[0], y.shape[1], y.shape[2], y.rows, outputChannels)
        let g = Tensor.reusing(gradient, shape: y.shape)
        gradient = g
        g.copy(from: outputGradient)
        let needsInput = inputNeedsGradient.first == true
        // Below the lowest trainable unit only the block input's gradient would still need the chain.
        let lowest = needsInput ? 0 : (units.firstIndex { $0.isTrainable } ?? units.count)
        let buffers = scratchBuffers(rows: rows)
        let dNormalized2 = buffers, dBottleneck = buffers + rows * widest, dNormalized1 = buffers + 2 * rows * widest
        var c = total
        for index in stride(from: units.count - 1, through: lowest, by: -1) {
            let unit = units[index], s = saved[index]
            let width = unit.conv1.outChannels
            c -= unit.conv2.outChannels
            conv2dBackward(inputGradient: dNormalized2, inputGradientStride: width,
                           weightGradient: unit.conv2.weight.isFrozen ? nil : unit.conv2.weight.gradient.data,
                           biasGradient: unit.conv2.bias.flatMap { $0.isFrozen ? nil : $0.gradient.data },
                           outputGradient: g.data + c, outputGradientStride: total, input: s.normalized2!.data,
                           inputStride: width, weights: unit.conv2.weight.value.data,
                           shape: unit.conv2.shape(for: s.normalized2!), arena: context.arena)
            normalizeBackward(unit.norm2, inputGradient: dBottleneck, inputGradientStride: width, accumulate: false,
                              outputGradient: dNormalized2, input: s.bottleneck!.data, inputStride: width,
                              output: s.normalized2!.data, s.mean2, s.invStd2, rows: rows, mode: s.mode2)
            let belowNeedsGradient = needsInput || index > lowest
            let norm1NeedsGradient = belowNeedsGradient || unit.norm1.isTrainable
            conv2dBackward(inputGradient: norm1NeedsGradient ? dNormalized1 : nil, inputGradientStride: c,
                           weightGradient: unit.conv1.weight.isFrozen ? nil : unit.conv1.weight.gradient.data,
                           biasGradient: unit.conv1.bias.flatMap { $0.isFrozen ? nil : $0.gradient.data },
                           outputGradient: dBottleneck, outputGradientStride: width, input: s.normalized1!.data,
                           inputStride: c, weights: unit.conv1.weight.value.data,
                           shape: unit.conv1.shape(for: s.normalized1!), arena: context.arena)
            guard norm1NeedsGradient else { continue }
            normalizeBackward(unit.norm1, inputGradient: belowNeedsGradient ? g.data : nil, inputGradientStride: total,
                              accumulate: true, outputGradient: dNormalized1, input: y.data, inputStride: total,
                              output: s.normalized1!.data, s.mean1, s.invStd1, rows: rows, mode: s.mode1)
        }
        guard needsInput, let dx = Tensor.gradientBuffer(&inputGradient, shape: [n, h, w, inputChannels], needed: true) else {
            return [nil]
        }
        Elementwise.copyChannels(dx.data, targetStride: inputChannels, g.data, sourceStride: total, rows: rows,
                                 channels: inputChannels)
        return [dx]
    }

    /// The start of `scratch`, sized for `rows`.
    private func scratchBuffers(rows: Int) -> UnsafeMutablePointer<Float> {
        let buffers = Tensor.reusing(scratch, shape: [3, rows * widest])
        scratch = buffers
        return buffers.data
    }

    /// A unit's buffer: its own, kept in `own` for backward, in training; the shared one in inference.
    private func buffer(_ own: inout Tensor?, _ shared: UnsafeMutablePointer<Float>?, shape: [Int]) -> UnsafeMutablePointer<Float> {
        if let shared { return shared }
        own = Tensor.reusing(own, shape: shape)
        return own!.data
    }

    /// The unit's bottleneck, `conv1(relu(norm1(input)))`, with the batch norm applied as the GEMM kernel reads the
    /// input instead of in a pass of its own (the same bits); false, with nothing written, where that cannot be.
    private func normalizedBottleneck(_ unit: Unit, _ s: Saved, into output: UnsafeMutablePointer<Float>,
                                      input: UnsafePointer<Float>, inputStride: Int, shape: ConvShape,
                                      context: LayerContext) -> Bool {
        let norm = unit.norm1
        guard Self.fusesNormalization, unit.conv1.bias == nil, PointwiseConv.handles(shape), GemmKernel.current.normalizesWhileReading else { return false }
        let scale = inferenceScale(norm, s.mean1, s.invStd1)
        return scale.withUnsafeBufferPointer { scale in
            PointwiseConv.forward(output: output, outputStride: shape.outChannels, input: input, inputStride: inputStride,
                                  weights: unit.conv1.weight.value.data, shape: shape, limit: rowUnfoldLimit(context.arena),
                                  scratch: context.arena.scratch(PointwiseConv.scratchSize(shape)),
                                  normalization: BatchNormReading(mean: s.mean1.data, scale: scale.baseAddress!,
                                                                  shift: norm.beta.value.data))
        }
    }

    /// The unit's new channels, `conv2(relu(norm2(input)))`, with the batch norm applied as the Winograd input
    /// transform reads the bottleneck (the same bits); false, with nothing written, where that path does not apply.
    private func normalizedGrowth(_ unit: Unit, _ s: Saved, into output: UnsafeMutablePointer<Float>, outputStride: Int,
                                  input: UnsafePointer<Float>, shape: ConvShape, context: LayerContext) -> Bool {
        guard Self.fusesNormalization, unit.conv2.bias == nil, Winograd3x3.handles(shape) else { return false }
        let scale = inferenceScale(unit.norm2, s.mean2, s.invStd2)
        scale.withUnsafeBufferPointer { scale in
            let limit = rowUnfoldLimit(context.arena)
            Winograd3x3.forward(output: output, outputStride: outputStride, accumulate: false, input: input,
                                inputStride: shape.inChannels, weights: unit.conv2.weight.value.data, shape: shape, limit: limit,
                                scratch: context.arena.scratch(Winograd3x3.scratchSize(shape, limit: limit)),
                                normalization: BatchNormReading(mean: s.mean2.data, scale: scale.baseAddress!,
                                                                shift: unit.norm2.beta.value.data))
        }
        return true
    }

    /// The inference statistics of `norm` written to `mean` and `invStd`, and the factor per channel.
    private func inferenceScale(_ norm: BatchNormLayer, _ mean: Tensor, _ invStd: Tensor) -> [Float] {
        batchNormInferenceStatistics(savedMean: mean.data, savedInvStd: invStd.data, runningMean: norm.runningMean.data,
                                     runningVariance: norm.runningVariance.data, channels: norm.channels, epsilon: norm.epsilon)
        return batchNormScale(savedInvStd: invStd.data, gamma: norm.gamma.value.data, channels: norm.channels)
    }

    /// `output = relu(norm(input))` over `norm.channels` channels of rows `inputStride` apart.
    private func normalize(_ norm: BatchNormLayer, into output: UnsafeMutablePointer<Float>, _ mean: Tensor, _ invStd: Tensor,
                           input: UnsafePointer<Float>, inputStride: Int, rows: Int, mode: BatchNormMode, context: LayerContext) {
        batchNormForward(output: output, savedMean: mean.data, savedInvStd: invStd.data,
                         runningMean: norm.runningMean.data, runningVariance: norm.runningVariance.data, input: input,
                         gamma: norm.gamma.value.data, beta: norm.beta.value.data, inputStride: inputStride, rows: rows,
                         channels: norm.channels, mode: mode, momentum: norm.momentum, epsilon: norm.epsilon, relu: true,
                         recordStatistics: norm.statisticsRecorder(context))
    }

    /// The gradients of `normalize`, given the gradient after its ReLU.
    private func normalizeBackward(_ norm: BatchNormLayer, inputGradient: UnsafeMutablePointer<Float>?,
                                   inputGradientStride: Int, accumulate: Bool, outputGradient: UnsafePointer<Float>,
                                   input: UnsafePointer<Float>, inputStride: Int, output: UnsafePointer<Float>,
                                   _ mean: Tensor, _ invStd: Tensor, rows: Int, mode: BatchNormMode) {
        batchNormBackward(inputGradient: inputGradient, gammaGradient: norm.gamma.isFrozen ? nil : norm.gamma.gradient.data,
                          betaGradient: norm.beta.isFrozen ? nil : norm.beta.gradient.data, outputGradient: outputGradient,
                          input: input, gamma: norm.gamma.value.data, savedMean: mean.data, savedInvStd: invStd.data,
                          reluOutput: output, inputStride: inputStride, inputGradientStride: inputGradientStride,
                          accumulateInputGradient: accumulate, rows: rows, channels: norm.channels, mode: mode)
    }
}
