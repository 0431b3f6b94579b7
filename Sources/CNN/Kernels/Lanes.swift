/// Sixteen floats in SIMD registers: the unit of the elementwise and batch-norm main loops, which
/// the compiler would otherwise leave scalar and branchy (ReLU masks mispredict half the time).
typealias Lanes = SIMD16<Float>

extension Lanes {
    @inline(__always) init(at pointer: UnsafePointer<Float>) {
        self = UnsafeRawPointer(pointer).loadUnaligned(as: Lanes.self)
    }

    @inline(__always) func store(at pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: Lanes.self)
    }

    /// The lanes that are not greater than zero (NaN included) set to zero.
    @inline(__always) func zeroingUnlessPositive(_ test: Lanes) -> Lanes {
        replacing(with: 0, where: .!(test .> Lanes(repeating: 0)))
    }
}

/// Runs `vector(i)` for `i` = start, start+16, … while 16 elements remain in `range`, then
/// `scalar(i)` for the rest.
@inline(__always)
func forEachLane(in range: Range<Int>, vector: (Int) -> Void, scalar: (Int) -> Void) {
    var i = range.lowerBound
    while i + Lanes.scalarCount <= range.upperBound {
        vector(i)
        i += Lanes.scalarCount
    }
    while i < range.upperBound {
        scalar(i)
        i += 1
    }
}
