/// The shape of a DenseNet: as Keras `DenseNet(blocks=...)` and torchvision `DenseNet(growth_rate,
/// block_config, num_init_features, bn_size)` take it.
public struct DenseNetConfig: Codable, Equatable, Sendable {
    /// Layers per dense block; `[6, 12, 24, 16]` is DenseNet121.
    public var blocks: [Int]
    /// Channels each dense layer adds (32 in every published DenseNet; Keras fixes it at 32).
    public var growthRate: Int
    /// Channels of the stem convolution (64).
    public var initialFeatures: Int
    /// The bottleneck 1x1 convolution outputs `bottleneckFactor * growthRate` channels (4).
    public var bottleneckFactor: Int

    public init(blocks: [Int], growthRate: Int = 32, initialFeatures: Int = 64, bottleneckFactor: Int = 4) {
        self.blocks = blocks
        self.growthRate = growthRate
        self.initialFeatures = initialFeatures
        self.bottleneckFactor = bottleneckFactor
    }
}
