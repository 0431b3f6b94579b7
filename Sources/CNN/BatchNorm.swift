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
/// Statistics are summed in Double over fixed row chunks, so they do not depend on thread count.
public func batchNormForward(output: UnsafeMutablePointer<Float>, savedMean: UnsafeMutablePointer<Float>,
                             savedInvStd: UnsafeMutablePointer<Float>,
                             runningMean: UnsafeMutablePointer<Float>, runningVariance: UnsafeMutablePointer<Float>,
                             input: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                             inputStride: Int? = nil, rows: Int, channels: Int, mode: BatchNormMode,
                             momentum: Float = 0.1, epsilon: Float = 1e-5) {
    let inputStride = inputStride ?? channels
    if mode == .training {
        var mean = [Double](repeating: 0, count: channels)
        var variance = [Double](repeating: 0, count: channels)
        channelSums(&mean, rows: rows, channels: channels) { row, c in Double(input[row * inputStride + c]) }
        for c in 0..<channels { mean[c] /= Double(max(rows, 1)) }
        mean.withUnsafeBufferPointer { meanBuffer in
            let meanPointer = meanBuffer.baseAddress!
            channelSums(&variance, rows: rows, channels: channels) { row, c in
                let centered = Double(input[row * inputStride + c]) - meanPointer[c]
                return centered * centered
            }
        }
        for c in 0..<channels {
            let biased = variance[c] / Double(max(rows, 1))
            let unbiased = variance[c] / Double(max(rows - 1, 1))
            savedMean[c] = Float(mean[c])
            savedInvStd[c] = Float(1 / (biased + Double(epsilon)).squareRoot())
            runningMean[c] = (1 - momentum) * runningMean[c] + momentum * Float(mean[c])
            runningVariance[c] = (1 - momentum) * runningVariance[c] + momentum * Float(unbiased)
        }
    } else {
        for c in 0..<channels {
            savedMean[c] = runningMean[c]
            savedInvStd[c] = 1 / (runningVariance[c] + epsilon).squareRoot()
        }
    }
    Parallel.forEach(count: rows, grain: max(1, 8192 / max(channels, 1))) { row in
        let source = input + row * inputStride, target = output + row * channels
        for c in 0..<channels {
            target[c] = (source[c] - savedMean[c]) * savedInvStd[c] * gamma[c] + beta[c]
        }
    }
}

/// Computes the gradients of `batchNormForward`.
///
/// - `inputGradient`: `[rows, *]` with `inputGradientStride`, overwritten, or added to with
///   `accumulateInputGradient` (every later layer of a dense block reads the same channels); nil skips it.
/// - `gammaGradient`, `betaGradient`: `[channels]`, overwritten; nil skips them.
/// - `outputGradient`: `[rows, channels]`; `input`: `[rows, *]` with `inputStride`;
///   `gamma`, `savedMean`, `savedInvStd`: `[channels]`.
/// In `.training` mode the gradient includes the batch statistics' dependence on the input; in
/// `.frozen` and `.inference` modes the layer is the affine map `x * gamma * invStd + const`.
public func batchNormBackward(inputGradient: UnsafeMutablePointer<Float>?,
                              gammaGradient: UnsafeMutablePointer<Float>?, betaGradient: UnsafeMutablePointer<Float>?,
                              outputGradient: UnsafePointer<Float>, input: UnsafePointer<Float>,
                              gamma: UnsafePointer<Float>, savedMean: UnsafePointer<Float>,
                              savedInvStd: UnsafePointer<Float>, inputStride: Int? = nil,
                              inputGradientStride: Int? = nil, accumulateInputGradient: Bool = false,
                              rows: Int, channels: Int, mode: BatchNormMode) {
    let inputStride = inputStride ?? channels, inputGradientStride = inputGradientStride ?? channels
    var sumGradient = [Double](repeating: 0, count: channels)
    var sumGradientXhat = [Double](repeating: 0, count: channels)
    channelSums(&sumGradient, rows: rows, channels: channels) { row, c in Double(outputGradient[row * channels + c]) }
    channelSums(&sumGradientXhat, rows: rows, channels: channels) { row, c in
        Double(outputGradient[row * channels + c]) * Double((input[row * inputStride + c] - savedMean[c]) * savedInvStd[c])
    }
    for c in 0..<channels {
        betaGradient?[c] = Float(sumGradient[c])
        gammaGradient?[c] = Float(sumGradientXhat[c])
    }
    guard let inputGradient else { return }
    let meanGradient = sumGradient.map { Float($0 / Double(max(rows, 1))) }
    let meanGradientXhat = sumGradientXhat.map { Float($0 / Double(max(rows, 1))) }
    let batchStatistics = mode == .training
    meanGradient.withUnsafeBufferPointer { meanGradientBuffer in
        meanGradientXhat.withUnsafeBufferPointer { meanGradientXhatBuffer in
            let dyMean = meanGradientBuffer.baseAddress!, dyXhatMean = meanGradientXhatBuffer.baseAddress!
            Parallel.forEach(count: rows, grain: max(1, 8192 / max(channels, 1))) { row in
                let dy = outputGradient + row * channels, x = input + row * inputStride
                let dx = inputGradient + row * inputGradientStride
                for c in 0..<channels {
                    let scale = gamma[c] * savedInvStd[c]
                    var gradient = scale * dy[c]
                    if batchStatistics {
                        let xhat = (x[c] - savedMean[c]) * savedInvStd[c]
                        gradient = scale * (dy[c] - dyMean[c] - xhat * dyXhatMean[c])
                    }
                    dx[c] = accumulateInputGradient ? dx[c] + gradient : gradient
                }
            }
        }
    }
}

/// Adds `term(row, channel)` over all rows into `sums[channel]`, using fixed row chunks and Double partials.
func channelSums(_ sums: inout [Double], rows: Int, channels: Int, _ term: (Int, Int) -> Double) {
    let grain = max(1, 16_384 / max(channels, 1))
    let chunkCount = Parallel.chunks(count: rows, grain: grain, maxChunks: 32).count
    var partials = [Double](repeating: 0, count: max(chunkCount, 1) * channels)
    partials.withUnsafeMutableBufferPointer { buffer in
        let partial = buffer.baseAddress!
        Parallel.forEachChunk(count: rows, grain: grain, maxChunks: 32) { index, range in
            let out = partial + index * channels
            for row in range { for c in 0..<channels { out[c] += term(row, c) } }
        }
    }
    for chunk in 0..<chunkCount { for c in 0..<channels { sums[c] += partials[chunk * channels + c] } }
}
