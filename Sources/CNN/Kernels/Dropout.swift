import PipeBase

/// Inverted dropout with a seeded, counter-based mask.
public enum DropoutKernels {
    /// Zeroes each element with probability `rate` and scales survivors by `1 / (1 - rate)`.
    ///
    /// - `output`, `mask`, `input`: `[count]`; `mask` receives the factor applied to each element
    ///   (0 or `1 / (1 - rate)`) for the backward pass. Element `i` keeps iff draw `i` of stream `seed`
    ///   is `>= rate`, so the mask depends only on the seed, never on threading.
    public static func forward(output: UnsafeMutablePointer<Float>, mask: UnsafeMutablePointer<Float>,
                               input: UnsafePointer<Float>, count: Int, rate: Float, seed: UInt64) {
        let keepScale: Float = rate < 1 ? 1 / (1 - rate) : 0
        Parallel.forEachChunk(count: count, grain: 65_536) { _, range in
            for i in range {
                let factor = SeededRandom.uniform(seed: seed, index: UInt64(i)) >= rate ? keepScale : 0
                mask[i] = factor
                output[i] = input[i] * factor
            }
        }
    }

    /// `inputGradient = outputGradient * mask`, all `[count]`.
    public static func backward(inputGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
                                mask: UnsafePointer<Float>, count: Int) {
        Parallel.forEachChunk(count: count, grain: 65_536) { _, range in
            for i in range { inputGradient[i] = outputGradient[i] * mask[i] }
        }
    }
}
