import CNN

/// Builds DenseNet trunks (Huang et al. 2017) with Keras or torchvision names and epsilons.
///
/// Both frameworks compute the same function: a padded 7x7/2 convolution, a padded 3x3/2 max pool
/// (Keras `ZeroPadding2D` then a `valid` pool; the pool follows a ReLU so zero padding equals
/// torchvision's `-inf` padding), dense blocks of BN-ReLU-1x1-BN-ReLU-3x3 layers whose outputs are
/// concatenated (in place, by `DenseBlockLayer`), and transitions of BN-ReLU-1x1 conv with 2x2/2 average pooling. They differ in names,
/// batch-norm epsilon (Keras 1.001e-5, torchvision 1e-5) and the final softmax.
enum DenseNet {
    static func trunk(config: DenseNetConfig, variant: Variant, seed: UInt64) throws -> Trunk {
        guard !config.blocks.isEmpty, config.blocks.allSatisfy({ $0 >= 0 }), config.growthRate > 0,
              config.initialFeatures > 0, config.bottleneckFactor > 0 else {
            throw ModelError.invalidConfiguration("a DenseNet needs at least one block, block sizes >= 0 and "
                                                  + "positive growth rate, initial features and bottleneck factor")
        }
        let b = NetworkBuilder(variant: variant, seed: seed)
        let keras = variant == .keras
        let eps: Float = keras ? 1.001e-5 : 1e-5
        var x: Int
        if keras {
            x = b.conv("conv1_conv", 0, filters: config.initialFeatures, kernel: 7, stride: 2, padding: 3, bias: false)
            x = b.batchNorm("conv1_bn", x, epsilon: eps)
            x = b.relu("conv1_relu", x)
            x = b.maxPool("pool1", x, kernel: 3, stride: 2, padding: 1)
        } else {
            x = b.conv("features.conv0", 0, filters: config.initialFeatures, kernel: 7, stride: 2, padding: 3, bias: false)
            x = b.batchNorm("features.norm0", x, epsilon: eps)
            x = b.relu("features.relu0", x)
            x = b.maxPool("features.pool0", x, kernel: 3, stride: 2, padding: 1)
        }
        for (blockIndex, layerCount) in config.blocks.enumerated() {
            if layerCount > 0 {
                let units = (0..<layerCount).map { layerIndex in
                    denseUnit(b, inChannels: b.channels[x] + layerIndex * config.growthRate, block: blockIndex + 1,
                              layer: layerIndex + 1, config: config, epsilon: eps)
                }
                x = try b.denseBlock(keras ? "conv\(blockIndex + 2)" : "features.denseblock\(blockIndex + 1)", x, units: units)
            }
            if blockIndex < config.blocks.count - 1 {
                x = transition(b, x, index: blockIndex + 1, epsilon: eps)
            }
        }
        x = b.batchNorm(keras ? "bn" : "features.norm5", x, epsilon: eps)
        x = b.relu(keras ? "relu" : "features.relu5", x)
        x = b.globalAveragePool(keras ? "avg_pool" : "features.avgpool", x)
        return Trunk(builder: b, output: x, headName: keras ? "predictions" : "classifier")
    }

    /// One bottleneck unit (BN-ReLU-1x1 conv-BN-ReLU-3x3 conv); Keras numbers its blocks from `conv2`
    /// (the stem is `conv1`).
    private static func denseUnit(_ b: NetworkBuilder, inChannels: Int, block: Int, layer: Int, config: DenseNetConfig,
                                  epsilon: Float) -> DenseBlockLayer.Unit {
        let width = config.bottleneckFactor * config.growthRate
        let keras = b.variant == .keras
        let p = keras ? "conv\(block + 1)_block\(layer)" : "features.denseblock\(block).denselayer\(layer)"
        let names = keras ? ["\(p)_0_bn", "\(p)_1_conv", "\(p)_1_bn", "\(p)_2_conv"]
            : ["\(p).norm1", "\(p).conv1", "\(p).norm2", "\(p).conv2"]
        let norm1 = b.makeBatchNorm(names[0], channels: inChannels, epsilon: epsilon)
        let conv1 = b.makeConv(names[1], inChannels: inChannels, filters: width, window: WindowGeometry(kernel: 1), bias: false)
        let norm2 = b.makeBatchNorm(names[2], channels: width, epsilon: epsilon)
        let conv2 = b.makeConv(names[3], inChannels: width, filters: config.growthRate,
                               window: WindowGeometry(kernel: 3, padding: 1), bias: false)
        return DenseBlockLayer.Unit(norm1: norm1, conv1: conv1, norm2: norm2, conv2: conv2)
    }

    /// Halves the channels and the resolution between blocks.
    private static func transition(_ b: NetworkBuilder, _ input: Int, index: Int, epsilon: Float) -> Int {
        let p = b.variant == .keras ? "pool\(index + 1)" : "features.transition\(index)"
        let sep = b.variant == .keras ? "_" : "."
        var x = b.batchNorm(b.variant == .keras ? "\(p)_bn" : "\(p).norm", input, epsilon: epsilon)
        x = b.relu("\(p)\(sep)relu", x)
        x = b.conv("\(p)\(sep)conv", x, filters: b.channels[x] / 2, kernel: 1, bias: false)
        return b.averagePool("\(p)\(sep)pool", x, window: WindowGeometry(kernel: 2, stride: 2))
    }
}
