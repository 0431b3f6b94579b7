import Foundation

/// Adam, or AdamW with `decoupledWeightDecay`, following `torch.optim.Adam` / `torch.optim.AdamW`.
///
/// Adam adds `weightDecay * value` to the gradient (L2); AdamW instead shrinks the value by
/// `learningRate * weightDecay` before the update.
public final class Adam: Optimizer {
    public var beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    public let decoupledWeightDecay: Bool
    private let state = OptimizerState()
    private var steps: [ObjectIdentifier: Int] = [:]

    public init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0,
                decoupledWeightDecay: Bool = false) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
    }

    /// AdamW with PyTorch's default decay of 0.01.
    public static func adamW(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                             weightDecay: Float = 0.01) -> Adam {
        Adam(beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay, decoupledWeightDecay: true)
    }

    public func step(_ parameters: [Parameter], learningRate: Float) {
        for parameter in parameters where !parameter.isFrozen {
            let key = ObjectIdentifier(parameter)
            let t = (steps[key] ?? 0) + 1
            steps[key] = t
            let moments = state.tensors(for: parameter, count: 2)
            let m = moments[0].data, v = moments[1].data
            let value = parameter.value.data, gradient = parameter.gradient.data
            let decay = parameter.decays ? weightDecay : 0, decoupled = decoupledWeightDecay
            let beta1 = beta1, beta2 = beta2, epsilon = epsilon
            let correction1 = 1 - Float(pow(Double(beta1), Double(t)))
            let correction2Root = Float((1 - pow(Double(beta2), Double(t))).squareRoot())
            let stepSize = learningRate / correction1
            Parallel.forEachChunk(count: parameter.value.count, grain: 65_536) { _, range in
                for i in range {
                    var g = gradient[i]
                    if decoupled { value[i] *= 1 - learningRate * decay } else { g += decay * value[i] }
                    m[i] = beta1 * m[i] + (1 - beta1) * g
                    v[i] = beta2 * v[i] + (1 - beta2) * g * g
                    value[i] -= stepSize * m[i] / (v[i].squareRoot() / correction2Root + epsilon)
                }
            }
        }
    }
}
