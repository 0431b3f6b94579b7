/// Which builder makes the trunk of each architecture: the one place that names every architecture file,
/// so those files and `Trunk` need not know each other.
enum TrunkCatalog {
    /// The trunk of `architecture` in `variant`'s naming.
    static func trunk(of architecture: Architecture, variant: Variant, options: ModelOptions) throws -> Trunk {
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
            throw ModelError.unknownArchitecture(architecture.rawValue, known: Architecture.allCases.map(\.rawValue))
        }
    }
}
