/// Scales all gradients down so their global L2 norm is at most `maxNorm`, as PyTorch's
/// `clip_grad_norm_`, and returns the norm before clipping. Frozen parameters are ignored.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
    let trainable = parameters.filter { !$0.isFrozen }
    var total = 0.0
    for parameter in trainable {
        // The gradient as rows of 16 (plus a tail), so the sum runs in SIMD lanes.
        let gradient = parameter.gradient.data, count = parameter.gradient.count
        var sumOfSquares = [Double](repeating: 0, count: Lanes.scalarCount)
        channelSums(&sumOfSquares, rows: count / Lanes.scalarCount, channels: Lanes.scalarCount) { row, sums in
            let g = Lanes(at: gradient + row * Lanes.scalarCount)
            (Lanes(at: sums) + g * g).store(at: sums)
        }
        total += sumOfSquares.reduce(0, +)
        for i in (count - count % Lanes.scalarCount)..<count { total += Double(gradient[i]) * Double(gradient[i]) }
    }
    let norm = Float(total.squareRoot())
    let coefficient = maxNorm / (norm + 1e-6)
    if coefficient < 1 {
        for parameter in trainable {
            Elementwise.scale(output: parameter.gradient.data, input: parameter.gradient.data, by: coefficient,
                              count: parameter.gradient.count)
        }
    }
    return norm
}
