import Foundation

/// A small, fast, seedable generator (xoshiro256**, seeded through SplitMix64) so that results are the same
/// for the same seed on every machine and Swift version; never the system generator.
///
/// Streams use xoshiro256**; kernels that draw in parallel use the counter-based `uniform(seed:index:)`,
/// whose draws can be computed in any order.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// A generator whose whole state follows from `seed`.
    public init(seed: UInt64) {
        var x = seed
        s0 = Self.splitMix(&x); s1 = Self.splitMix(&x); s2 = Self.splitMix(&x); s3 = Self.splitMix(&x)
    }

    /// A generator for one item of a larger job (`seed` mixed with `parts`), independent of the order items run in.
    public init(seed: UInt64, _ parts: UInt64...) {
        var mixed = seed
        for part in parts { var x = mixed ^ (part &* 0x9E37_79B9_7F4A_7C15); mixed = Self.splitMix(&x) }
        self.init(seed: mixed)
    }

    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in [0, 1), from the top 53 bits.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A uniform Float in [0, 1), from the top 24 bits.
    public mutating func nextUniform() -> Float { Self.float(next()) }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * unit() }

    /// Uniform integer in 0 ..< bound (bound > 0).
    public mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// Standard normal (Box-Muller).
    public mutating func normal() -> Double {
        let u = max(unit(), 1e-300), v = unit()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    /// The `index`-th draw of stream `seed`, computable in any order: a Float in [0, 1).
    public static func uniform(seed: UInt64, index: UInt64) -> Float {
        float(mix(seed &+ (index &+ 1) &* 0x9E37_79B9_7F4A_7C15))
    }

    /// SplitMix64's finaliser: spreads the bits of `value` over the whole word.
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func splitMix(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        return mix(x)
    }

    private static func float(_ bits: UInt64) -> Float { Float(bits >> 40) / Float(1 << 24) }
}
