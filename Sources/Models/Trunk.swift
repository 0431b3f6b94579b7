/// What an architecture builder hands to `Model`: the recorded network up to the features the head
/// reads, and the name its classification head has in the framework's files.
struct Trunk {
    let builder: NetworkBuilder
    /// The node whose output the head reads: `[N, features]`.
    let output: Int
    /// `predictions` (Keras), `classifier` (torchvision DenseNet), `fc` (torchvision ResNet), ...
    let headName: String
    /// The layout of the head's kernel in the framework's files.
    var headLayout: WeightSlot.Layout = .torchLinear

    /// Builds the trunk of `architecture` in `variant`'s naming.
    static func build(_ architecture: Architecture, variant: Variant, options: ModelOptions) throws -> Trunk {
        if let blocks = architecture.denseNetBlocks {
            return try DenseNet.trunk(config: options.denseNet ?? DenseNetConfig(blocks: blocks), variant: variant,
                                      seed: options.seed)
        }
        switch architecture {
        case .resnet50:
            return ResNet50.trunk(variant: variant, seed: options.seed)
        case .vgg16, .vgg19:
            return try VGG.trunk(depth: architecture == .vgg16 ? 16 : 19, variant: variant, options: options)
        case .inceptionV3:
            return InceptionV3.trunk(variant: variant, seed: options.seed)
        default:
            throw ModelError.unknownArchitecture(architecture.rawValue)
        }
    }
}
