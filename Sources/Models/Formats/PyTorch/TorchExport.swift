/// A backbone's tensors under torchvision's state-dict names and layouts (OIHW kernels, `[out, in]` dense
/// weights), with what a PyTorch script needs to rebuild the module they belong to.
public struct TorchExport {
    /// The tensors in the order torchvision creates them.
    public let tensors: [(name: String, array: WeightArray)]
    /// The reduced or standard DenseNet shape, for DenseNets.
    public let denseNet: DenseNetConfig?
    /// The batch-norm epsilon of the trunk when it differs from torchvision's own (Keras DenseNets: 1.001e-5).
    public let batchNormEpsilon: Double?
}

extension Model {
    /// The trunk (without a head) as torchvision tensors.
    ///
    /// torchvision-named models export as they are. A Keras DenseNet computes the same function as
    /// torchvision's (the two builders create the same tensors in the same order), so its tensors are
    /// renamed through a torchvision twin; only its batch-norm epsilon differs and is returned. Other Keras
    /// architectures differ in structure (ResNet50's convolution biases and strides, InceptionV3's
    /// scale-free batch norms) and VGG without its top has no torchvision counterpart, so they throw.
    public func torchExport() throws -> TorchExport {
        let supported = architecture.denseNetBlocks != nil
            || (variant == .torchvision && [.resnet50, .inceptionV3].contains(architecture))
        guard supported else {
            throw ModelError.invalidConfiguration("export to PyTorch supports DenseNets (Keras or torchvision) and "
                                                  + "torchvision ResNet50 and InceptionV3, not \(variant.rawValue) \(architecture.rawValue)")
        }
        let denseNet = architecture.denseNetBlocks.map { options.denseNet ?? DenseNetConfig(blocks: $0) }
        var twinOptions = options
        twinOptions.includeTop = false
        let twin = variant == .torchvision ? nil : try Model(architecture: architecture, variant: .torchvision, options: twinOptions)
        let targets = trunkSlots
        let names = twin?.trunkSlots ?? targets
        guard names.count == targets.count, zip(names, targets).allSatisfy({ $0.target.shape == $1.target.shape }) else {
            throw ModelError.invalidConfiguration("the \(variant.rawValue) \(architecture.rawValue) trunk does not pair tensor for tensor with torchvision's")
        }
        let tensors = zip(names, targets).map { named, source in
            let slot = WeightSlot(key: named.key, layout: named.layout, target: source.target)
            return (slot.key, WeightArray(shape: slot.sourceShape, values: slot.exportValues()))
        }
        return TorchExport(tensors: tensors, denseNet: denseNet, batchNormEpsilon: variant == .keras ? 1.001e-5 : nil)
    }
}
