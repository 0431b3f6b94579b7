import CNN

/// Builds VGG16/19 trunks. Keras names convolutions `block<i>_conv<j>` and its top `fc1`, `fc2`,
/// `predictions` after an NHWC `Flatten`; torchvision numbers `features.<k>` and `classifier.<k>`
/// (with dropout at 2 and 5) after an NCHW flatten, which `classifier.0`'s weight layout absorbs.
enum VGG {
    static let widths = [64, 128, 256, 512, 512]

    static func trunk(depth: Int, variant: Variant, options: ModelOptions) throws -> Trunk {
        let convs = depth == 16 ? [2, 2, 3, 3, 3] : [2, 2, 4, 4, 4]
        let b = NetworkBuilder(variant: variant, seed: options.seed)
        let keras = variant == .keras
        var x = 0, index = 0
        for (block, count) in convs.enumerated() {
            for conv in 0..<count {
                let name = keras ? "block\(block + 1)_conv\(conv + 1)" : "features.\(index)"
                x = b.conv(name, x, filters: widths[block], kernel: 3, padding: 1, bias: true)
                x = b.relu(keras ? "\(name)_relu" : "features.\(index + 1)", x)
                index += 2
            }
            x = b.maxPool(keras ? "block\(block + 1)_pool" : "features.\(index)", x, kernel: 2, stride: 2)
            index += 1
        }
        guard options.includeTop else {
            x = b.globalAveragePool(keras ? "avg_pool" : "avgpool", x)
            return Trunk(builder: b, output: x, headName: keras ? "predictions" : "classifier.6")
        }
        let height = options.inputHeight / 32, width = options.inputWidth / 32
        guard height > 0, width > 0, keras || (height == 7 && width == 7) else {
            throw ModelError.invalidConfiguration(keras
                ? "VGG with its top needs an input of at least 32x32"
                : "torchvision VGG with its classifier needs a 224x224 input (7x7 features); build it without the top "
                  + "for other sizes")
        }
        x = b.flatten(keras ? "flatten" : "flatten", x, height: height, width: width)
        let firstLayout = WeightSlot.Layout.torchLinearAfterFlatten(channels: 512, height: height, width: width)
        x = b.dense(keras ? "fc1" : "classifier.0", x, units: 4096, layout: firstLayout)
        x = b.relu(keras ? "fc1_relu" : "classifier.1", x)
        if !keras { x = b.dropout("classifier.2", x, rate: 0.5) }
        x = b.dense(keras ? "fc2" : "classifier.3", x, units: 4096)
        x = b.relu(keras ? "fc2_relu" : "classifier.4", x)
        if !keras { x = b.dropout("classifier.5", x, rate: 0.5) }
        return Trunk(builder: b, output: x, headName: keras ? "predictions" : "classifier.6")
    }
}
