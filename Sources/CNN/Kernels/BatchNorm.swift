import Foundation

/// Which statistics a batch-norm kernel normalises with.
public enum BatchNormMode: Sendable {
    /// Batch statistics, and the running averages are updated.
    case training
    /// Running statistics; used for evaluation.
    case inference
    /// Running statistics while the rest of the network trains; gradients pass through as an affine map.
    case frozen
}

/// Normalises each channel of a `[rows, channels]` matrix (an NHWC tensor with `rows = N*H*W`).
///
/// - `output`: `[rows, channels]`, overwritten.
/// - `savedMean`, `savedInvStd`: `[channels]`, the mean and `1/sqrt(var + epsilon)` actually used,
///   kept for the backward pass.
/// - `runningMean`, `runningVariance`: `[channels]`; in `.training` mode they move towards the batch
///   statistics as `running = (1 - momentum) * running + momentum * batch` (PyTorch's convention,
///   Keras' `momentum=0.99` is `momentum=0.01` here) with the unbiased batch variance.
/// - `input`: `[rows, *]` with `inputStride` floats between rows (≥ `channels`), so a DenseNet layer
///   can normalise the first channels of its block's shared concatenation buffer without copying.
/// - `gamma`, `beta`: `[channels]`.
/// - `relu`: write `max(y, 0)`, a ReLU fused into the same pass.
/// - `recordStatistics`: in `.training` mode, when set, the running averages are left alone and it receives the
///   batch mean and the sum of squared deviations from it (`[channels]` each, Double) and the row count instead,
///   so that a trainer can combine several micro-batches' statistics into one update (`BatchNormStatistics`).
/// Statistics are summed in Double over fixed row chunks, so they do not depend on thread count.
public func batchNormForward(output: UnsafeMutablePointer<Float>, savedMean: UnsafeMutablePointer<Float>,
                             savedInvStd: UnsafeMutablePointer<Float>,
                             runningMean: UnsafeMutablePointer<Float>, runningVariance: UnsafeMutablePointer<Float>,
                             input: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                             inputStride: Int? = nil, rows: Int, channels: Int, mode: BatchNormMode,
                             momentum: Float = 0.1, epsilon: Float = 1e-5, relu: Bool = false,
                             recordStatistics: ((_ mean: [Double], _ squaredDeviations: [Double], _ rows: Int) -> Void)? = nil) {
    let inputStride = inputStride ?? channels
    if mode == .training {
        // One pass: sums of d = x - shift and d^2, shifted by the first row so that the variance,
        // E[d^2] - E[d]^2, does not cancel catastrophically when |mean| >> std.
        let shift = (0..<channels).map { rows > 0 ? input[$0] : 0 }
        var sums = [Double](repeating: 0, count: 2 * channels)
        shift.withUnsafeBufferPointer { shiftBuffer in
            let s = shiftBuffer.baseAddress!
            channelSums(&sums, rows: rows, channels: 2 * channels) { row, sums in
                let x = input + row * inputStride, squares = sums + channels
                forEachLane(in: 0..<channels) { c in
                    let d = Lanes(at: x + c) - Lanes(at: s + c)
                    (Lanes(at: sums + c) + d).store(at: sums + c)
                    (Lanes(at: squares + c) + d * d).store(at: squares + c)
                } scalar: { c in
                    let d = x[c] - s[c]
                    sums[c] += d
                    squares[c] += d * d
                }
            }
        }
        let n = Double(max(rows, 1))
        var mean = [Double](repeating: 0, count: channels), variance = mean
        for c in 0..<channels {
            let shiftedMean = sums[c] / n
            mean[c] = Double(shift[c]) + shiftedMean
            variance[c] = max(sums[channels + c] - n * shiftedMean * shiftedMean, 0)
        }
        for c in 0..<channels {
            let biased = variance[c] / Double(max(rows, 1))
            savedMean[c] = Float(mean[c])
            savedInvStd[c] = Float(1 / (biased + Double(epsilon)).squareRoot())
        }
        if let recordStatistics {
            recordStatistics(mean, variance, rows)
        } else {
            batchNormUpdateRunning(runningMean: runningMean, runningVariance: runningVariance, mean: mean,
                                   squaredDeviations: variance, rows: rows, momentum: momentum)
        }
    } else {
        batchNormInferenceStatistics(savedMean: savedMean, savedInvStd: savedInvStd, runningMean: runningMean,
                                     runningVariance: runningVariance, channels: channels, epsilon: epsilon)
    }
    let scale = batchNormScale(savedInvStd: savedInvStd, gamma: gamma, channels: channels)
    scale.withUnsafeBufferPointer { scaleBuffer in
        let scale = scaleBuffer.baseAddress!, mean = UnsafePointer(savedMean)
        Parallel.forEach(count: rows, grain: max(1, 8192 / max(channels, 1))) { row in
            let source = input + row * inputStride, target = output + row * channels
            forEachLane(in: 0..<channels) { c in
                let y = (Lanes(at: source + c) - Lanes(at: mean + c)) * Lanes(at: scale + c) + Lanes(at: beta + c)
                (relu ? y.zeroingUnlessPositive(y) : y).store(at: target + c)
            } scalar: { c in
                let y = (source[c] - mean[c]) * scale[c] + beta[c]
                target[c] = relu && !(y > 0) ? 0 : y
            }
        }
    }
}

/// The mean and inverse standard deviation inference normalizes with: the running statistics.
public func batchNormInferenceStatistics(savedMean: UnsafeMutablePointer<Float>, savedInvStd: UnsafeMutablePointer<Float>,
                                         runningMean: UnsafePointer<Float>, runningVariance: UnsafePointer<Float>,
                                         channels: Int, epsilon: Float) {
    for c in 0..<channels {
        savedMean[c] = runningMean[c]
        savedInvStd[c] = 1 / (runningVariance[c] + epsilon).squareRoot()
    }
}

/// The factor `batchNormForward` multiplies each centred channel by: `invStd * gamma`.
public func batchNormScale(savedInvStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>, channels: Int) -> [Float] {
    (0..<channels).map { savedInvStd[$0] * gamma[$0] }
}

/// Moves running averages towards batch statistics given as the mean and the sum of squared deviations over
/// `rows` rows: `running = (1 - momentum) * running + momentum * batch`, with the unbiased variance.
public func batchNormUpdateRunning(runningMean: UnsafeMutablePointer<Float>, runningVariance: UnsafeMutablePointer<Float>,
                                   mean: [Double], squaredDeviations: [Double], rows: Int, momentum: Float) {
    for c in 0..<mean.count {
        let unbiased = squaredDeviations[c] / Double(max(rows - 1, 1))
        runningMean[c] = (1 - momentum) * runningMean[c] + momentum * Float(mean[c])
        runningVariance[c] = (1 - momentum) * runningVariance[c] + momentum * Float(unbiased)
    }
}

/// Computes the gradients of `batchNormForward`.
///
/// - `inputGradient`: `[rows, *]` with `inputGradientStride`, overwritten, or added to with
///   `accumulateInputGradient` (every later layer of a dense block reads the same channels); nil skips it.
/// - `gammaGradient`, `betaGradient`: `[channels]`, overwritten; nil skips them.
/// - `outputGradient`: `[rows, channels]`; `input`: `[rows, *]` with `inputStride`;
///   `gamma`, `savedMean`, `savedInvStd`: `[channels]`.
/// - `reluOutput`: for a layer with a fused ReLU, its `[rows, channels]` output; `outputGradient` is
///   then the gradient after the ReLU and is masked where that output is not positive.
/// In `.training` mode the gradient includes the batch statistics' dependence on the input; in
/// `.frozen` and `.inference` modes the layer is the affine map `x * gamma * invStd + const`.
public func batchNormBackward(inputGradient: UnsafeMutablePointer<Float>?,
                              gammaGradient: UnsafeMutablePointer<Float>?, betaGradient: UnsafeMutablePointer<Float>?,
                              outputGradient: UnsafePointer<Float>, input: UnsafePointer<Float>,
                              gamma: UnsafePointer<Float>, savedMean: UnsafePointer<Float>,
                              savedInvStd: UnsafePointer<Float>, reluOutput: UnsafePointer<Float>? = nil,
                              inputStride: Int? = nil,
                              inputGradientStride: Int? = nil, accumulateInputGradient: Bool = false,
                              rows: Int, channels: Int, mode: BatchNormMode) {
    let inputStride = inputStride ?? channels, inputGradientStride = inputGradientStride ?? channels
    @inline(__always) func gradientLanes(_ row: Int, _ c: Int) -> Lanes {
        let dy = Lanes(at: outputGradient + row * channels + c)
        guard let y = reluOutput else { return dy }
        return dy.zeroingUnlessPositive(Lanes(at: y + row * channels + c))
    }
    @inline(__always) func gradient(_ row: Int, _ c: Int) -> Float {
        if let y = reluOutput, !(y[row * channels + c] > 0) { return 0 }
        return outputGradient[row * channels + c]
    }
    // One pass for both sums: the first `channels` accumulate dy, the next `channels` dy * xhat.
    var sums = [Double](repeating: 0, count: 2 * channels)
    channelSums(&sums, rows: rows, channels: 2 * channels) { row, sums in
        let x = input + row * inputStride, sumsXhat = sums + channels
        forEachLane(in: 0..<channels) { c in
            let dy = gradientLanes(row, c)
            let xhat = (Lanes(at: x + c) - Lanes(at: savedMean + c)) * Lanes(at: savedInvStd + c)
            (Lanes(at: sums + c) + dy).store(at: sums + c)
            (Lanes(at: sumsXhat + c) + dy * xhat).store(at: sumsXhat + c)
        } scalar: { c in
            let dy = gradient(row, c)
            sums[c] += dy
            sumsXhat[c] += dy * ((x[c] - savedMean[c]) * savedInvStd[c])
        }
    }
    let sumGradient = Array(sums[0..<channels]), sumGradientXhat = Array(sums[channels...])
    for c in 0..<channels {
        betaGradient?[c] = Float(sumGradient[c])
        gammaGradient?[c] = Float(sumGradientXhat[c])
    }
    guard let inputGradient else { return }
    let meanGradient = sumGradient.map { Float($0 / Double(max(rows, 1))) }
    let meanGradientXhat = sumGradientXhat.map { Float($0 / Double(max(rows, 1))) }
    // Frozen and inference modes have no batch statistics: zero means drop their terms.
    let batchStatistics = mode == .training
    let coefficients = (0..<channels).map { gamma[$0] * savedInvStd[$0] }
        + (batchStatistics ? meanGradient + meanGradientXhat : [Float](repeating: 0, count: 2 * channels))
    coefficients.withUnsafeBufferPointer { buffer in
        let scale = buffer.baseAddress!, dyMean = scale + channels, dyXhatMean = scale + 2 * channels
        Parallel.forEach(count: rows, grain: max(1, 8192 / max(channels, 1))) { row in
            let x = input + row * inputStride, dx = inputGradient + row * inputGradientStride
            forEachLane(in: 0..<channels) { c in
                let xhat = (Lanes(at: x + c) - Lanes(at: savedMean + c)) * Lanes(at: savedInvStd + c)
                let dy = gradientLanes(row, c)
                var value = Lanes(at: scale + c) * (dy - Lanes(at: dyMean + c) - xhat * Lanes(at: dyXhatMean + c))
                if accumulateInputGradient { value += Lanes(at: dx + c) }
                value.store(at: dx + c)
            } scalar: { c in
                let xhat = (x[c] - savedMean[c]) * savedInvStd[c]
                let value = scale[c] * (gradient(row, c) - dyMean[c] - xhat * dyXhatMean[c])
                dx[c] = accumulateInputGradient ? dx[c] + value : value
            }
        }
    }
}

/// Adds, over all rows, what `addRow(row, sums)` adds into a `[channels]` Float accumulator, into
/// `sums[channel]`. Rows run in fixed chunks; each chunk flushes its Float accumulator into Double
/// partials every 64 rows, and the partials are summed in chunk order, so the result depends only on
/// the problem size, not on the thread count.
func channelSums(_ sums: inout [Double], rows: Int, channels: Int,
                 _ addRow: (Int, UnsafeMutablePointer<Float>) -> Void) {
    let grain = max(64, 16_384 / max(channels, 1))
    let chunkCount = Parallel.chunks(count: rows, grain: grain, maxChunks: 32).count
    var partials = [Double](repeating: 0, count: max(chunkCount, 1) * channels)
    partials.withUnsafeMutableBufferPointer { buffer in
        let partial = buffer.baseAddress!
        Parallel.forEachChunk(count: rows, grain: grain, maxChunks: 32) { index, range in
            let out = partial + index * channels
            let accumulator = UnsafeMutablePointer<Float>.allocate(capacity: channels)
            defer { accumulator.deallocate() }
            var start = range.lowerBound
            while start < range.upperBound {
                accumulator.initialize(repeating: 0, count: channels)
                for row in start..<min(start + 64, range.upperBound) { addRow(row, accumulator) }
                for c in 0..<channels { out[c] += Double(accumulator[c]) }
                start += 64
            }
        }
    }
    for chunk in 0..<chunkCount { for c in 0..<channels { sums[c] += partials[chunk * channels + c] } }
}
