import PipeBase

/// Smooth random texture: a coarse grid of random values, bilinearly interpolated, summed over a few octaves.
struct ValueNoise {
    private let grids: [(cell: Double, columns: Int, values: [Float])]
    private let width: Int, height: Int

    /// Noise over a `width` x `height` image whose coarsest features are about `cell` pixels; values in about 0...1.
    init(width: Int, height: Int, cell: Double, octaves: Int, random: inout SeededRandom) {
        var grids: [(Double, Int, [Float])] = []
        var size = max(cell, 2)
        for _ in 0..<max(octaves, 1) {
            let columns = Int(Double(width) / size) + 2, rows = Int(Double(height) / size) + 2
            grids.append((size, columns, (0..<(columns * rows)).map { _ in Float(random.unit()) }))
            size = max(size / 2, 2)
        }
        self.grids = grids
        self.width = width; self.height = height
    }

    /// The texture at every pixel, row-major: the same values as `value(_:_:)`, computed a row at a time.
    func field() -> [Float] {
        var out = [Float](repeating: 0, count: width * height)
        var amplitude: Float = 1, weight: Float = 0
        var ix = [Int](repeating: 0, count: width), tx = [Float](repeating: 0, count: width)
        for grid in grids {
            for x in 0..<width {
                let fx = Double(x) / grid.cell
                ix[x] = Int(fx); tx[x] = Float(fx - Double(ix[x]))
            }
            grid.values.withUnsafeBufferPointer { v in
                out.withUnsafeMutableBufferPointer { o in
                    for y in 0..<height {
                        let fy = Double(y) / grid.cell
                        let iy = Int(fy), ty = Float(fy - Double(iy))
                        let top = iy * grid.columns, bottom = top + grid.columns
                        for x in 0..<width {
                            let i = ix[x], t = tx[x]
                            let upper = v[top + i] * (1 - t) + v[top + i + 1] * t
                            let lower = v[bottom + i] * (1 - t) + v[bottom + i + 1] * t
                            o[y * width + x] += amplitude * (upper * (1 - ty) + lower * ty)
                        }
                    }
                }
            }
            weight += amplitude; amplitude *= 0.5
        }
        let scale = 1 / weight
        return out.map { $0 * scale }
    }

    /// The texture value at a pixel.
    func value(_ x: Int, _ y: Int) -> Float {
        var sum: Float = 0, weight: Float = 0, amplitude: Float = 1
        for grid in grids {
            let fx = Double(x) / grid.cell, fy = Double(y) / grid.cell
            let ix = Int(fx), iy = Int(fy)
            let tx = Float(fx - Double(ix)), ty = Float(fy - Double(iy))
            let v = grid.values, c = grid.columns
            let top = v[iy * c + ix] * (1 - tx) + v[iy * c + ix + 1] * tx
            let bottom = v[(iy + 1) * c + ix] * (1 - tx) + v[(iy + 1) * c + ix + 1] * tx
            sum += amplitude * (top * (1 - ty) + bottom * ty)
            weight += amplitude; amplitude *= 0.5
        }
        return sum / weight
    }
}
