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
        channelSums(&mean, rows: rows, channels: channels) { row, sums in
            let x = input + row * inputStride
            forEachLane(in: 0..<channels) { c in
                (Lanes(at: sums + c) + Lanes(at: x + c)).store(at: sums + c)
            } scalar: { c in
                sums[c] += x[c]
            }
        }
        for c in 0..<channels { mean[c] /= Double(max(rows, 1)) }
        let center = mean.map { Float($0) }
        center.withUnsafeBufferPointer { centerBuffer in
            let m = centerBuffer.baseAddress!
            channelSums(&variance, rows: rows, channels: channels) { row, sums in
                let x = input + row * inputStride
                forEachLane(in: 0..<channels) { c in
                    let d = Lanes(at: x + c) - Lanes(at: m + c)
                    (Lanes(at: sums + c) + d * d).store(at: sums + c)
                } scalar: { c in
                    let d = x[c] - m[c]
                    sums[c] += d * d
                }
            }
        }
        // Sum of squares around the Float mean, corrected to the exact mean: sum (x - m)^2 - n (mean - m)^2.
        for c in 0..<channels {
            let shift = mean[c] - Double(center[c])
            variance[c] = max(variance[c] - Double(rows) * shift * shift, 0)
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
    let scale = (0..<channels).map { savedInvStd[$0] * gamma[$0] }
    scale.withUnsafeBufferPointer { scaleBuffer in
        let scale = scaleBuffer.baseAddress!, mean = UnsafePointer(savedMean)
        Parallel.forEach(count: rows, grain: max(1, 8192 / max(channels, 1))) { row in
            let source = input + row * inputStride, target = output + row * channels
            forEachLane(in: 0..<channels) { c in
                let y = (Lanes(at: source + c) - Lanes(at: mean + c)) * Lanes(at: scale + c) + Lanes(at: beta + c)
                y.store(at: target + c)
            } scalar: { c in
                target[c] = (source[c] - mean[c]) * scale[c] + beta[c]
            }
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
    channelSums(&sumGradient, rows: rows, channels: channels) { row, sums in
        let dy = outputGradient + row * channels
        forEachLane(in: 0..<channels) { c in
            (Lanes(at: sums + c) + Lanes(at: dy + c)).store(at: sums + c)
        } scalar: { c in
            sums[c] += dy[c]
        }
    }
    channelSums(&sumGradientXhat, rows: rows, channels: channels) { row, sums in
        let dy = outputGradient + row * channels, x = input + row * inputStride
        forEachLane(in: 0..<channels) { c in
            let xhat = (Lanes(at: x + c) - Lanes(at: savedMean + c)) * Lanes(at: savedInvStd + c)
            (Lanes(at: sums + c) + Lanes(at: dy + c) * xhat).store(at: sums + c)
        } scalar: { c in
            sums[c] += dy[c] * ((x[c] - savedMean[c]) * savedInvStd[c])
        }
    }
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
            let dy = outputGradient + row * channels, x = input + row * inputStride
            let dx = inputGradient + row * inputGradientStride
            forEachLane(in: 0..<channels) { c in
                let xhat = (Lanes(at: x + c) - Lanes(at: savedMean + c)) * Lanes(at: savedInvStd + c)
                var gradient = Lanes(at: scale + c) * (Lanes(at: dy + c) - Lanes(at: dyMean + c) - xhat * Lanes(at: dyXhatMean + c))
                if accumulateInputGradient { gradient += Lanes(at: dx + c) }
                gradient.store(at: dx + c)
            } scalar: { c in
                let xhat = (x[c] - savedMean[c]) * savedInvStd[c]
                let gradient = scale[c] * (dy[c] - dyMean[c] - xhat * dyXhatMean[c])
                dx[c] = accumulateInputGradient ? dx[c] + gradient : gradient
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
