import CNN

/// Builds InceptionV3 trunks (Szegedy et al. 2016) with Keras or torchvision names.
///
/// Every convolution is unbiased and followed by batch norm (epsilon 0.001) and ReLU; Keras's batch
/// norms have no scale. Keras leaves these layers unnamed, so they carry its automatic names in
/// creation order, numbered from 1 as in the published `.h5` files (`conv2d_1`, `batch_normalization_1`);
/// files numbered differently are renumbered on load. The branch pools differ: Keras `same` average
/// pooling divides by the taps inside the image, torchvision's `avg_pool2d(padding=1)` by 9.
enum InceptionV3 {
    /// One convolution + batch norm + ReLU, named per framework.
    private final class Namer {
        let b: NetworkBuilder
        var count = 0
        init(_ b: NetworkBuilder) { self.b = b }

        func conv(_ torchName: String, _ input: Int, _ filters: Int, _ kh: Int, _ kw: Int, stride: Int = 1,
                  valid: Bool = false) -> Int {
            let window = WindowGeometry(kernelHeight: kh, kernelWidth: kw, strideHeight: stride, strideWidth: stride,
                                        padTop: valid ? 0 : (kh - 1) / 2, padBottom: valid ? 0 : (kh - 1) / 2,
                                        padLeft: valid ? 0 : (kw - 1) / 2, padRight: valid ? 0 : (kw - 1) / 2)
            count += 1
            if b.variant == .keras {
                let x = b.conv("conv2d_\(count)", input, filters: filters, window: window, bias: false)
                return b.relu("activation_\(count)", b.batchNorm("batch_normalization_\(count)", x, epsilon: 1e-3, scale: false))
            }
            let x = b.conv("\(torchName).conv", input, filters: filters, window: window, bias: false)
            return b.relu("\(torchName).relu", b.batchNorm("\(torchName).bn", x, epsilon: 1e-3))
        }

        /// The 3x3 stride-1 average pool in front of each block's pool branch.
        func branchPool(_ name: String, _ input: Int) -> Int {
            b.averagePool(name, input, window: WindowGeometry(kernel: 3, stride: 1, padding: 1),
                          countIncludePad: b.variant == .torchvision)
        }
    }

    static func trunk(variant: Variant, seed: UInt64) -> Trunk {
        let b = NetworkBuilder(variant: variant, seed: seed)
        let n = Namer(b)
        let keras = variant == .keras
        var x = n.conv("Conv2d_1a_3x3", 0, 32, 3, 3, stride: 2, valid: true)
        x = n.conv("Conv2d_2a_3x3", x, 32, 3, 3, valid: true)
        x = n.conv("Conv2d_2b_3x3", x, 64, 3, 3)
        x = b.maxPool(keras ? "max_pooling2d_1" : "maxpool1", x, kernel: 3, stride: 2)
        x = n.conv("Conv2d_3b_1x1", x, 80, 1, 1, valid: true)
        x = n.conv("Conv2d_4a_3x3", x, 192, 3, 3, valid: true)
        x = b.maxPool(keras ? "max_pooling2d_2" : "maxpool2", x, kernel: 3, stride: 2)
        for (index, (name, poolFeatures)) in [("Mixed_5b", 32), ("Mixed_5c", 64), ("Mixed_5d", 64)].enumerated() {
            x = blockA(n, x, name: name, poolFeatures: poolFeatures, mixed: "mixed\(index)")
        }
        x = blockB(n, x, name: "Mixed_6a")
        for (index, (name, width)) in [("Mixed_6b", 128), ("Mixed_6c", 160), ("Mixed_6d", 160), ("Mixed_6e", 192)].enumerated() {
            x = blockC(n, x, name: name, width: width, mixed: "mixed\(index + 4)")
        }
        x = blockD(n, x, name: "Mixed_7a")
        x = blockE(n, x, name: "Mixed_7b", index: 0)
        x = blockE(n, x, name: "Mixed_7c", index: 1)
        x = b.globalAveragePool(keras ? "avg_pool" : "avgpool", x)
        if !keras { x = b.dropout("dropout", x, rate: 0.5) }
        return Trunk(builder: b, output: x, headName: keras ? "predictions" : "fc")
    }

    private static func concatName(_ n: Namer, _ keras: String, _ torch: String) -> String {
        n.b.variant == .keras ? keras : torch
    }

    private static func blockA(_ n: Namer, _ x: Int, name: String, poolFeatures: Int, mixed: String) -> Int {
        let a = n.conv("\(name).branch1x1", x, 64, 1, 1)
        var b = n.conv("\(name).branch5x5_1", x, 48, 1, 1)
        b = n.conv("\(name).branch5x5_2", b, 64, 5, 5)
        var c = n.conv("\(name).branch3x3dbl_1", x, 64, 1, 1)
        c = n.conv("\(name).branch3x3dbl_2", c, 96, 3, 3)
        c = n.conv("\(name).branch3x3dbl_3", c, 96, 3, 3)
        var d = n.branchPool(concatName(n, "\(mixed)_pool", "\(name).pool"), x)
        d = n.conv("\(name).branch_pool", d, poolFeatures, 1, 1)
        return n.b.concat(concatName(n, mixed, "\(name).concat"), [a, b, c, d])
    }

    private static func blockB(_ n: Namer, _ x: Int, name: String) -> Int {
        let a = n.conv("\(name).branch3x3", x, 384, 3, 3, stride: 2, valid: true)
        var b = n.conv("\(name).branch3x3dbl_1", x, 64, 1, 1)
        b = n.conv("\(name).branch3x3dbl_2", b, 96, 3, 3)
        b = n.conv("\(name).branch3x3dbl_3", b, 96, 3, 3, stride: 2, valid: true)
        let c = n.b.maxPool(concatName(n, "mixed3_pool", "\(name).pool"), x, kernel: 3, stride: 2)
        return n.b.concat(concatName(n, "mixed3", "\(name).concat"), [a, b, c])
    }

    private static func blockC(_ n: Namer, _ x: Int, name: String, width: Int, mixed: String) -> Int {
        let a = n.conv("\(name).branch1x1", x, 192, 1, 1)
        var b = n.conv("\(name).branch7x7_1", x, width, 1, 1)
        b = n.conv("\(name).branch7x7_2", b, width, 1, 7)
        b = n.conv("\(name).branch7x7_3", b, 192, 7, 1)
        var c = n.conv("\(name).branch7x7dbl_1", x, width, 1, 1)
        c = n.conv("\(name).branch7x7dbl_2", c, width, 7, 1)
        c = n.conv("\(name).branch7x7dbl_3", c, width, 1, 7)
        c = n.conv("\(name).branch7x7dbl_4", c, width, 7, 1)
        c = n.conv("\(name).branch7x7dbl_5", c, 192, 1, 7)
        var d = n.branchPool(concatName(n, "\(mixed)_pool", "\(name).pool"), x)
        d = n.conv("\(name).branch_pool", d, 192, 1, 1)
        return n.b.concat(concatName(n, mixed, "\(name).concat"), [a, b, c, d])
    }

    private static func blockD(_ n: Namer, _ x: Int, name: String) -> Int {
        var a = n.conv("\(name).branch3x3_1", x, 192, 1, 1)
        a = n.conv("\(name).branch3x3_2", a, 320, 3, 3, stride: 2, valid: true)
        var b = n.conv("\(name).branch7x7x3_1", x, 192, 1, 1)
        b = n.conv("\(name).branch7x7x3_2", b, 192, 1, 7)
        b = n.conv("\(name).branch7x7x3_3", b, 192, 7, 1)
        b = n.conv("\(name).branch7x7x3_4", b, 192, 3, 3, stride: 2, valid: true)
        let c = n.b.maxPool(concatName(n, "mixed8_pool", "\(name).pool"), x, kernel: 3, stride: 2)
        return n.b.concat(concatName(n, "mixed8", "\(name).concat"), [a, b, c])
    }

    private static func blockE(_ n: Namer, _ x: Int, name: String, index: Int) -> Int {
        let a = n.conv("\(name).branch1x1", x, 320, 1, 1)
        let b = n.conv("\(name).branch3x3_1", x, 384, 1, 1)
        let b1 = n.conv("\(name).branch3x3_2a", b, 384, 1, 3)
        let b2 = n.conv("\(name).branch3x3_2b", b, 384, 3, 1)
        let bCat = n.b.concat(concatName(n, "mixed9_\(index)", "\(name).concat3x3"), [b1, b2])
        var c = n.conv("\(name).branch3x3dbl_1", x, 448, 1, 1)
        c = n.conv("\(name).branch3x3dbl_2", c, 384, 3, 3)
        let c1 = n.conv("\(name).branch3x3dbl_3a", c, 384, 1, 3)
        let c2 = n.conv("\(name).branch3x3dbl_3b", c, 384, 3, 1)
        let cCat = n.b.concat(concatName(n, "mixed9_\(index)_dbl", "\(name).concat3x3dbl"), [c1, c2])
        var d = n.branchPool(concatName(n, "mixed\(9 + index)_pool", "\(name).pool"), x)
        d = n.conv("\(name).branch_pool", d, 192, 1, 1)
        return n.b.concat(concatName(n, "mixed\(9 + index)", "\(name).concat"), [a, bCat, cCat, d])
    }
}
