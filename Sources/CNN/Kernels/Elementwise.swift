/// Elementwise kernels: ReLU, residual addition and scaled copies.
///
/// All of them treat tensors as flat `[count]` arrays.
public enum Elementwise {
    /// `output = max(input, 0)`; output and input may be the same buffer.
    public static func reluForward(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, count: Int) {
        Parallel.forEachChunk(count: count, grain: 65_536) { _, range in
            forEachLane(in: range) { i in
                Lanes(at: input + i).zeroingUnlessPositive(Lanes(at: input + i)).store(at: output + i)
            } scalar: { i in
                output[i] = input[i] > 0 ? input[i] : 0
            }
        }
    }

    /// `inputGradient = outputGradient` where the forward output was positive, else 0.
    ///
    /// Uses the forward output rather than the input, so ReLU can run in place.
    public static func reluBackward(inputGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
                                    output: UnsafePointer<Float>, count: Int) {
        Parallel.forEachChunk(count: count, grain: 65_536) { _, range in
            forEachLane(in: range) { i in
                Lanes(at: outputGradient + i).zeroingUnlessPositive(Lanes(at: output + i)).store(at: inputGradient + i)
            } scalar: { i in
                inputGradient[i] = output[i] > 0 ? outputGradient[i] : 0
            }
        }
    }

    /// `output = a + b`, or `max(a + b, 0)` with `relu`, for residual connections; the backward pass hands the
    /// gradient to both.
    public static func addForward(output: UnsafeMutablePointer<Float>, a: UnsafePointer<Float>,
                                  b: UnsafePointer<Float>, count: Int, relu: Bool = false) {
        Parallel.forEachChunk(count: count, grain: 65_536) { _, range in
            forEachLane(in: range) { i in
                let sum = Lanes(at: a + i) + Lanes(at: b + i)
                (relu ? sum.zeroingUnlessPositive(sum) : sum).store(at: output + i)
            } scalar: { i in
                let sum = a[i] + b[i]
                output[i] = relu && !(sum > 0) ? 0 : sum
            }
        }
    }

    /// `target += source`, used to accumulate gradients of tensors read by several layers.
    public static func accumulate(_ target: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>, count: Int) {
        Parallel.forEachChunk(count: count, grain: 65_536) { _, range in
            forEachLane(in: range) { i in
                (Lanes(at: target + i) + Lanes(at: source + i)).store(at: target + i)
            } scalar: { i in
                target[i] += source[i]
            }
        }
    }

    /// `matrix[row][c] += vector[c]` for `rows` rows of `columns` values, `stride` apart: a bias on every pixel.
    public static func addToRows(_ matrix: UnsafeMutablePointer<Float>, stride: Int, _ vector: UnsafePointer<Float>,
                                 rows: Int, columns: Int) {
        Parallel.forEach(count: rows, grain: max(1, 8192 / max(columns, 1))) { row in
            let target = matrix + row * stride
            forEachLane(in: 0..<columns) { c in
                (Lanes(at: target + c) + Lanes(at: vector + c)).store(at: target + c)
            } scalar: { c in
                target[c] += vector[c]
            }
        }
    }

    /// `output = input * scale`.
    public static func scale(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, by scale: Float, count: Int) {
        Parallel.forEachChunk(count: count, grain: 65_536) { _, range in
            forEachLane(in: range) { i in
                (Lanes(at: input + i) * scale).store(at: output + i)
            } scalar: { i in
                output[i] = input[i] * scale
            }
        }
    }

    /// Copies `channels` floats per pixel between buffers with different pixel strides.
    ///
    /// - `target`: `[rows, *]` with `targetStride`; `source`: `[rows, *]` with `sourceStride`.
    /// Channel concatenation and its backward pass are this copy into and out of channel offsets.
    public static func copyChannels(_ target: UnsafeMutablePointer<Float>, targetStride: Int,
                                    _ source: UnsafePointer<Float>, sourceStride: Int, rows: Int, channels: Int) {
        Parallel.forEach(count: rows, grain: max(1, 16_384 / max(channels, 1))) { row in
            (target + row * targetStride).update(from: source + row * sourceStride, count: channels)
        }
    }
}
