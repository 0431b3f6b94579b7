import CNN

/// The convolution shapes of DenseNet201 (Huang et al.; growth 32, blocks of 6, 12, 48, 32 layers).
enum DenseNetShapes {
    /// Every distinct convolution with how many times the network runs it.
    static func distinct(batch: Int, size: Int) -> [(shape: ConvShape, count: Int)] {
        var result: [(shape: ConvShape, count: Int)] = []
        func add(_ side: Int, _ inChannels: Int, _ outChannels: Int, _ window: WindowGeometry) {
            let shape = ConvShape(batch: batch, height: side, width: side, inChannels: inChannels,
                                  outChannels: outChannels, window: window)
            if let index = result.firstIndex(where: { $0.shape == shape }) {
                result[index].count += 1
            } else {
                result.append((shape, 1))
            }
        }
        add(size, 3, 64, WindowGeometry(kernel: 7, stride: 2, padding: 3))
        var side = (size + 1) / 2 / 2, channels = 64
        for (block, layers) in [6, 12, 48, 32].enumerated() {
            for _ in 0..<layers {
                add(side, channels, 128, WindowGeometry(kernel: 1))
                add(side, 128, 32, WindowGeometry(kernel: 3, padding: 1))
                channels += 32
            }
            if block < 3 {
                add(side, channels, channels / 2, WindowGeometry(kernel: 1))
                channels /= 2
                side /= 2
            }
        }
        return result
    }
}
