/// Scales all gradients down so their global L2 norm is at most `maxNorm`, as PyTorch's
/// `clip_grad_norm_`, and returns the norm before clipping. Frozen parameters are ignored.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
    let trainable = parameters.filter { !$0.isFrozen }
    var total = 0.0
    for parameter in trainable {
        var sumOfSquares = [Double](repeating: 0, count: 1)
        let gradient = parameter.gradient.data
        channelSums(&sumOfSquares, rows: parameter.gradient.count, channels: 1) { row, _ in
            Double(gradient[row]) * Double(gradient[row])
        }
        total += sumOfSquares[0]
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
