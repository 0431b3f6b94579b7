import CNN

/// Builds ResNet50 trunks: Keras's v1 (stride on the first 1x1, biased convolutions, epsilon 1.001e-5)
/// or torchvision's v1.5 (stride on the 3x3, unbiased convolutions, epsilon 1e-5).
enum ResNet50 {
    /// Bottleneck widths and block counts of the four stages.
    static let stages = [(64, 3), (128, 4), (256, 6), (512, 3)]

    static func trunk(variant: Variant, seed: UInt64) -> Trunk {
        let b = NetworkBuilder(variant: variant, seed: seed)
        let keras = variant == .keras
        let eps: Float = keras ? 1.001e-5 : 1e-5
        var x = b.conv(keras ? "conv1_conv" : "conv1", 0, filters: 64, kernel: 7, stride: 2, padding: 3, bias: keras)
        x = b.batchNorm(keras ? "conv1_bn" : "bn1", x, epsilon: eps)
        x = b.relu(keras ? "conv1_relu" : "relu", x)
        x = b.maxPool(keras ? "pool1_pool" : "maxpool", x, kernel: 3, stride: 2, padding: 1)
        for (stageIndex, (width, blocks)) in stages.enumerated() {
            for block in 0..<blocks {
                let stride = block == 0 && stageIndex > 0 ? 2 : 1
                x = bottleneck(b, x, width: width, stride: stride, shortcutConv: block == 0, stage: stageIndex,
                               block: block, epsilon: eps)
            }
        }
        x = b.globalAveragePool(keras ? "avg_pool" : "avgpool", x)
        return Trunk(builder: b, output: x, headName: keras ? "predictions" : "fc")
    }

    private static func bottleneck(_ b: NetworkBuilder, _ input: Int, width: Int, stride: Int, shortcutConv: Bool,
                                   stage: Int, block: Int, epsilon: Float) -> Int {
        if b.variant == .keras {
            let p = "conv\(stage + 2)_block\(block + 1)"
            var shortcut = input
            if shortcutConv {
                shortcut = b.conv("\(p)_0_conv", input, filters: 4 * width, kernel: 1, stride: stride, bias: true)
                shortcut = b.batchNorm("\(p)_0_bn", shortcut, epsilon: epsilon)
            }
            var x = b.conv("\(p)_1_conv", input, filters: width, kernel: 1, stride: stride, bias: true)
            x = b.relu("\(p)_1_relu", b.batchNorm("\(p)_1_bn", x, epsilon: epsilon))
            x = b.conv("\(p)_2_conv", x, filters: width, kernel: 3, padding: 1, bias: true)
            x = b.relu("\(p)_2_relu", b.batchNorm("\(p)_2_bn", x, epsilon: epsilon))
            x = b.conv("\(p)_3_conv", x, filters: 4 * width, kernel: 1, bias: true)
            x = b.batchNorm("\(p)_3_bn", x, epsilon: epsilon)
            return b.relu("\(p)_out", b.add("\(p)_add", shortcut, x))
        }
        let p = "layer\(stage + 1).\(block)"
        var shortcut = input
        if shortcutConv {
            shortcut = b.conv("\(p).downsample.0", input, filters: 4 * width, kernel: 1, stride: stride, bias: false)
            shortcut = b.batchNorm("\(p).downsample.1", shortcut, epsilon: epsilon)
        }
        var x = b.conv("\(p).conv1", input, filters: width, kernel: 1, bias: false)
        x = b.relu("\(p).relu1", b.batchNorm("\(p).bn1", x, epsilon: epsilon))
        x = b.conv("\(p).conv2", x, filters: width, kernel: 3, stride: stride, padding: 1, bias: false)
        x = b.relu("\(p).relu2", b.batchNorm("\(p).bn2", x, epsilon: epsilon))
        x = b.conv("\(p).conv3", x, filters: 4 * width, kernel: 1, bias: false)
        x = b.batchNorm("\(p).bn3", x, epsilon: epsilon)
        return b.relu("\(p).relu3", b.add("\(p).add", x, shortcut))
    }
}
