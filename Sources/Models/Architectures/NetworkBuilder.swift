import CNN

/// Records a network's layers, their wiring and the weights each expects, in one framework's naming.
///
/// Architectures call it layer by layer; `Model` later turns the record into a `Graph`. Node 0 is
/// the input; every call returns the new node's index.
final class NetworkBuilder {
    let variant: Variant
    private(set) var layers: [(layer: Layer, inputs: [Int])] = []
    private(set) var slots: [WeightSlot] = []
    /// Tensors under pipe's checkpoint names: parameter names plus batch-norm running statistics.
    private(set) var state: [(name: String, tensor: Tensor)] = []
    /// Each Keras layer's variables in creation order, which Keras 3 files index by position.
    private(set) var kerasVariables: [String: [String]] = [:]
    /// The channel (or feature) count of each node's output.
    private(set) var channels: [Int]
    private var seed: UInt64

    init(variant: Variant, inputChannels: Int = 3, seed: UInt64) {
        self.variant = variant
        self.channels = [inputChannels]
        self.seed = seed
    }

    private func append(_ layer: Layer, inputs: [Int], channels count: Int) -> Int {
        layers.append((layer, inputs))
        channels.append(count)
        return layers.count
    }

    private func nextSeed() -> UInt64 {
        seed = seed &+ 0x9E37_79B9_7F4A_7C15
        return seed
    }

    private func bind(_ layer: String, _ variable: String, _ tensor: Tensor, _ layout: WeightSlot.Layout) {
        switch variant {
        case .keras:
            slots.append(WeightSlot(key: "\(layer)/\(variable)", layout: .identical, target: tensor))
            kerasVariables[layer, default: []].append(variable)
        case .torchvision:
            slots.append(WeightSlot(key: "\(layer).\(variable)", layout: layout, target: tensor))
        }
    }

    private func record(_ parameters: [Parameter]) {
        for parameter in parameters { state.append((parameter.name, parameter.value)) }
    }

    /// A convolution with `window`; Keras `ZeroPadding2D` before a `valid` convolution becomes padding here.
    func conv(_ name: String, _ input: Int, filters: Int, window: WindowGeometry, bias: Bool) -> Int {
        let layer = makeConv(name, inChannels: channels[input], filters: filters, window: window, bias: bias)
        return append(layer, inputs: [input], channels: filters)
    }

    /// A convolution bound to its weight names but not added to the network (a dense-block unit's).
    func makeConv(_ name: String, inChannels: Int, filters: Int, window: WindowGeometry, bias: Bool) -> Conv2DLayer {
        let layer = Conv2DLayer(name: name, inChannels: inChannels, outChannels: filters, window: window,
                                bias: bias, seed: nextSeed())
        bind(name, variant == .keras ? "kernel" : "weight", layer.weight.value, .torchConv)
        if let b = layer.bias { bind(name, "bias", b.value, .identical) }
        record(layer.parameters)
        return layer
    }

    /// A square convolution with symmetric padding.
    func conv(_ name: String, _ input: Int, filters: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
              bias: Bool) -> Int {
        conv(name, input, filters: filters, window: WindowGeometry(kernel: kernel, stride: stride, padding: padding),
             bias: bias)
    }

    /// Batch normalisation; `scale: false` is Keras `BatchNormalization(scale=False)`, whose gamma stays 1 and frozen.
    func batchNorm(_ name: String, _ input: Int, epsilon: Float, scale: Bool = true) -> Int {
        let layer = makeBatchNorm(name, channels: channels[input], epsilon: epsilon, scale: scale)
        return append(layer, inputs: [input], channels: channels[input])
    }

    /// A batch norm bound to its weight names but not added to the network (a dense-block unit's).
    func makeBatchNorm(_ name: String, channels count: Int, epsilon: Float, scale: Bool = true) -> BatchNormLayer {
        let layer = BatchNormLayer(name: name, channels: count, momentum: variant == .keras ? 0.01 : 0.1, epsilon: epsilon)
        let names = variant == .keras ? ["gamma", "beta", "moving_mean", "moving_variance"]
            : ["weight", "bias", "running_mean", "running_var"]
        if scale { bind(name, names[0], layer.gamma.value, .identical) } else { layer.gamma.isFrozen = true }
        bind(name, names[1], layer.beta.value, .identical)
        bind(name, names[2], layer.runningMean, .identical)
        bind(name, names[3], layer.runningVariance, .identical)
        record(layer.parameters)
        state.append(("\(name).running_mean", layer.runningMean))
        state.append(("\(name).running_var", layer.runningVariance))
        return layer
    }

    /// A DenseNet block whose units were made with `makeBatchNorm` and `makeConv`.
    func denseBlock(_ name: String, _ input: Int, units: [DenseBlockLayer.Unit]) throws -> Int {
        let block = try DenseBlockLayer(name: name, inputChannels: channels[input], units: units)
        return append(block, inputs: [input], channels: block.outputChannels)
    }

    /// A ReLU; directly after the batch norm or residual sum just added, it runs inside that layer instead
    /// (`BatchNormLayer.appliesReLU`, `AddLayer.appliesReLU`), which saves a pass and a buffer each way.
    func relu(_ name: String, _ input: Int) -> Int {
        if input == layers.count, let norm = layers.last?.layer as? BatchNormLayer, !norm.appliesReLU {
            norm.appliesReLU = true
            return input
        }
        if input == layers.count, let sum = layers.last?.layer as? AddLayer, !sum.appliesReLU {
            sum.appliesReLU = true
            return input
        }
        return append(ReLULayer(name: name), inputs: [input], channels: channels[input])
    }

    func maxPool(_ name: String, _ input: Int, kernel: Int, stride: Int, padding: Int = 0) -> Int {
        append(PoolLayer(name: name, kind: .max, window: WindowGeometry(kernel: kernel, stride: stride, padding: padding)),
               inputs: [input], channels: channels[input])
    }

    func averagePool(_ name: String, _ input: Int, window: WindowGeometry, countIncludePad: Bool = true) -> Int {
        append(PoolLayer(name: name, kind: .average(countIncludePad: countIncludePad), window: window),
               inputs: [input], channels: channels[input])
    }

    func concat(_ name: String, _ inputs: [Int]) -> Int {
        append(ConcatLayer(name: name), inputs: inputs, channels: inputs.map { channels[$0] }.reduce(0, +))
    }

    func add(_ name: String, _ a: Int, _ b: Int) -> Int {
        append(AddLayer(name: name), inputs: [a, b], channels: channels[a])
    }

    func globalAveragePool(_ name: String, _ input: Int) -> Int {
        append(GlobalAveragePoolLayer(name: name), inputs: [input], channels: channels[input])
    }

    /// Flattens `[N, H, W, C]` to `[N, H*W*C]` in NHWC order.
    func flatten(_ name: String, _ input: Int, height: Int, width: Int) -> Int {
        append(FlattenLayer(name: name), inputs: [input], channels: height * width * channels[input])
    }

    func dropout(_ name: String, _ input: Int, rate: Float) -> Int {
        append(DropoutLayer(name: name, rate: rate, seed: nextSeed()), inputs: [input], channels: channels[input])
    }

    /// A fully connected layer; `layout` overrides the PyTorch transpose (VGG's first classifier layer).
    func dense(_ name: String, _ input: Int, units: Int, layout: WeightSlot.Layout = .torchLinear) -> Int {
        let layer = makeDense(name, inFeatures: channels[input], units: units, layout: layout)
        return append(layer, inputs: [input], channels: units)
    }

    /// A dense layer bound to weight names but not added to the network: the replaceable head.
    func makeDense(_ name: String, inFeatures: Int, units: Int, layout: WeightSlot.Layout = .torchLinear) -> DenseLayer {
        let layer = DenseLayer(name: name, inFeatures: inFeatures, outFeatures: units, seed: nextSeed())
        bind(name, variant == .keras ? "kernel" : "weight", layer.weight.value, layout)
        bind(name, "bias", layer.bias!.value, .identical)
        record(layer.parameters)
        return layer
    }
}
