/// How to build a model: the head, the input size and, for fast tests, a reduced DenseNet.
public struct ModelOptions: Codable, Equatable, Sendable {
    /// Whether to add the classification head (a dense layer on the pooled features; for VGG also fc1 and fc2).
    public var includeTop: Bool
    /// The head's class count; 1000 for ImageNet weights.
    public var classes: Int
    /// The input height and width the model is meant for; DenseNet and ResNet run at any size, VGG's
    /// top needs exactly this size.
    public var inputHeight: Int, inputWidth: Int
    /// Replaces a DenseNet's standard block sizes and widths; nil builds the named architecture.
    public var denseNet: DenseNetConfig?
    /// Seeds the random initial weights.
    public var seed: UInt64

    public init(includeTop: Bool = true, classes: Int = 1000, inputHeight: Int = 224, inputWidth: Int = 224,
                denseNet: DenseNetConfig? = nil, seed: UInt64 = 0) {
        self.includeTop = includeTop
        self.classes = classes
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.denseNet = denseNet
        self.seed = seed
    }
}
