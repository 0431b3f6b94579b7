/// Batch normalisation over the channels of an NHWC tensor (or the features of a `[N, F]` one).
///
/// In `.training` mode it uses batch statistics and updates the running averages, unless its
/// parameters are frozen: a frozen batch norm uses its running statistics and passes gradients
/// through as an affine map, which is how Keras treats BN layers of a frozen backbone.
public final class BatchNormLayer: Layer {
    public let name: String
    public let channels: Int
    /// PyTorch convention: `running = (1 - momentum) * running + momentum * batch`.
    public var momentum: Float
    public var epsilon: Float
    public let gamma: Parameter, beta: Parameter
    public let runningMean: Tensor, runningVariance: Tensor
    /// Whether the layer's output is `max(bn(x), 0)`: a following ReLU fused in.
    public var appliesReLU = false
    /// The name of the ReLU layer fused in, so that it can still be named (`freeze: until`).
    public var fusedReLUName: String?
    public var parameters: [Parameter] { [gamma, beta] }

    private var input: Tensor?
    private var output: Tensor?
    private var inputGradient: Tensor?
    private let savedMean: Tensor, savedInvStd: Tensor
    private var lastMode = BatchNormMode.inference

    public init(name: String, channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        self.name = name
        self.channels = channels
        self.momentum = momentum
        self.epsilon = epsilon
        gamma = Parameter(name: "\(name).gamma", value: Tensor(shape: [channels], values: Array(repeating: 1, count: channels)),
                          decays: false)
        beta = Parameter(name: "\(name).beta", value: Tensor(shape: [channels]), decays: false)
        runningMean = Tensor(shape: [channels])
        runningVariance = Tensor(shape: [channels], values: Array(repeating: 1, count: channels))
        savedMean = Tensor(shape: [channels])
        savedInvStd = Tensor(shape: [channels])
    }

    /// The kernel mode for a network mode: frozen layers never use batch statistics.
    public func kernelMode(for mode: Mode) -> BatchNormMode {
        if mode == .inference { return .inference }
        return isTrainable ? .training : .frozen
    }

    public func forward(_ inputs: [Tensor], context: LayerContext) throws -> Tensor {
        guard inputs.count == 1 else {
            throw CNNError.invalidConfiguration(layer: name, reason: "expected 1 input, got \(inputs.count)")
        }
        let x = inputs[0]
        guard x.channels == channels, x.shape.count >= 2 else {
            throw CNNError.shapeMismatch(layer: name, expected: Array(x.shape.dropLast()) + [channels], actual: x.shape)
        }
        let y = context.outputBuffer(&output, shape: x.shape)
        lastMode = kernelMode(for: context.mode)
        batchNormForward(output: y.data, savedMean: savedMean.data, savedInvStd: savedInvStd.data,
                         runningMean: runningMean.data, runningVariance: runningVariance.data, input: x.data,
                         gamma: gamma.value.data, beta: beta.value.data, rows: x.rows, channels: channels,
                         mode: lastMode, momentum: momentum, epsilon: epsilon, relu: appliesReLU,
                         recordStatistics: statisticsRecorder(context))
        input = context.pools(y.shape) ? nil : x
        return y
    }

    /// What the kernel calls with a training pass's batch statistics when they go to a collector, or nil.
    func statisticsRecorder(_ context: LayerContext) -> (([Double], [Double], Int) -> Void)? {
        guard let sink = context.batchNormStatistics else { return nil }
        return { [unowned self] mean, squares, rows in sink.record(self, mean: mean, squaredDeviations: squares, rows: rows) }
    }

    public func backward(_ outputGradient: Tensor, inputNeedsGradient: [Bool], context: LayerContext) -> [Tensor?] {
        guard let x = input, let y = output else { return [nil] }
        let dx = Tensor.gradientBuffer(&inputGradient, shape: x.shape, needed: inputNeedsGradient.first == true)
        batchNormBackward(inputGradient: dx?.data, gammaGradient: gamma.isFrozen ? nil : gamma.gradient.data,
                          betaGradient: beta.isFrozen ? nil : beta.gradient.data, outputGradient: outputGradient.data,
                          input: x.data, gamma: gamma.value.data, savedMean: savedMean.data,
                          savedInvStd: savedInvStd.data, reluOutput: appliesReLU ? y.data : nil, rows: x.rows,
                          channels: channels, mode: lastMode)
        return [dx]
    }
}
