import Foundation

/// Seeded pseudo-random numbers: a SplitMix64 stream, plus counter-based draws for parallel kernels.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SeededRandom.mix(state)
    }

    /// A uniform Float in `[0, 1)`.
    public mutating func nextUniform() -> Float { SeededRandom.uniform(next()) }

    /// A standard normal Float (Box-Muller).
    public mutating func nextNormal() -> Float {
        let u1 = max(Double(next() >> 11) / Double(1 << 53), 1e-300), u2 = Double(next() >> 11) / Double(1 << 53)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// The `index`-th draw of stream `seed`, computable in any order: `[0, 1)`.
    public static func uniform(seed: UInt64, index: UInt64) -> Float {
        uniform(mix(seed &+ (index &+ 1) &* 0x9E37_79B9_7F4A_7C15))
    }

    static func uniform(_ bits: UInt64) -> Float { Float(bits >> 40) / Float(1 << 24) }

    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
