/// An inference batch norm and ReLU that a kernel applies to its input as it reads it, instead of a pass
/// of its own: `relu((x - mean) * scale + shift)` per channel, rounded step by step exactly as
/// `batchNormForward` rounds it, so fused and separate passes give the same bits.
struct BatchNormReading {
    let mean: UnsafePointer<Float>, scale: UnsafePointer<Float>, shift: UnsafePointer<Float>

    /// Channels `c ..< c + 16` of one pixel.
    @inline(__always)
    func apply(_ x: Lanes, at c: Int) -> Lanes {
        let y = (x - Lanes(at: mean + c)) * Lanes(at: scale + c) + Lanes(at: shift + c)
        return y.zeroingUnlessPositive(y)
    }

    /// Channel `c` of one pixel.
    @inline(__always)
    func apply(_ x: Float, at c: Int) -> Float {
        let y = (x - mean[c]) * scale[c] + shift[c]
        return y > 0 ? y : 0
    }
}
