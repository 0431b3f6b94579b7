/// Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay,
/// following `torch.optim.SGD` (the first step's momentum buffer is the gradient itself).
public final class SGD: Optimizer {
    public var momentum: Float, weightDecay: Float, nesterov: Bool
    private let state = OptimizerState()
    private var started: Set<ObjectIdentifier> = []

    public init(momentum: Float = 0, weightDecay: Float = 0, nesterov: Bool = false) {
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.nesterov = nesterov
    }

    public func step(_ parameters: [Parameter], learningRate: Float) {
        for parameter in parameters where !parameter.isFrozen {
            let value = parameter.value.data, gradient = parameter.gradient.data
            let decay = parameter.decays ? weightDecay : 0, momentum = momentum, nesterov = nesterov
            let buffer = momentum != 0 ? state.tensors(for: parameter, count: 1)[0].data : nil
            let first = started.insert(ObjectIdentifier(parameter)).inserted
            Parallel.forEachChunk(count: parameter.value.count, grain: 65_536) { _, range in
                for i in range {
                    var g = gradient[i] + decay * value[i]
                    if let buffer {
                        buffer[i] = first ? g : momentum * buffer[i] + g
                        g = nesterov ? g + momentum * buffer[i] : buffer[i]
                    }
                    value[i] -= learningRate * g
                }
            }
        }
    }
}
