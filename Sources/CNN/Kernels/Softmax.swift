import Foundation

/// Softmax and softmax cross-entropy over `[rows, classes]` logits.
public enum Softmax {
    /// Row-wise softmax, stable for large logits because each row's maximum is subtracted first.
    ///
    /// - `output`, `logits`: `[rows, classes]`.
    public static func forward(output: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>, rows: Int, classes: Int) {
        Parallel.forEach(count: rows, grain: max(1, 4096 / max(classes, 1))) { row in
            let source = logits + row * classes, target = output + row * classes
            var maximum = -Float.infinity
            for j in 0..<classes { maximum = max(maximum, source[j]) }
            var total: Float = 0
            for j in 0..<classes {
                target[j] = expf(source[j] - maximum)
                total += target[j]
            }
            for j in 0..<classes { target[j] /= total }
        }
    }

    /// `logitsGradient = p * (g - sum(g * p))` per row, given the forward output `p` and its gradient `g`.
    public static func backward(logitsGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
                                output: UnsafePointer<Float>, rows: Int, classes: Int) {
        Parallel.forEach(count: rows, grain: max(1, 4096 / max(classes, 1))) { row in
            let p = output + row * classes, g = outputGradient + row * classes, target = logitsGradient + row * classes
            var dot: Float = 0
            for j in 0..<classes { dot += p[j] * g[j] }
            for j in 0..<classes { target[j] = p[j] * (g[j] - dot) }
        }
    }

    /// Mean cross-entropy of softmax(logits) against integer labels, as PyTorch's `F.cross_entropy`.
    ///
    /// - `probabilities`: `[rows, classes]`, the softmax, kept for the backward pass.
    /// - `logits`: `[rows, classes]`; `labels`: `[rows]` in `0..<classes`.
    /// - `classWeights`: `[classes]` or nil; with weights the mean divides by the sum of the labels' weights.
    /// - `labelSmoothing`: `ε`; the target puts `1 - ε` on the label and `ε / classes` on every class.
    /// Returns the loss, summed in Double.
    public static func crossEntropyForward(probabilities: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>,
                                           labels: UnsafePointer<Int32>, classWeights: UnsafePointer<Float>?,
                                           labelSmoothing: Float, rows: Int, classes: Int) -> Float {
        forward(output: probabilities, logits: logits, rows: rows, classes: classes)
        var loss = 0.0, weightTotal = 0.0
        let epsilon = Double(labelSmoothing)
        for row in 0..<rows {
            let logits = logits + row * classes, label = Int(labels[row])
            var maximum = -Float.infinity
            for j in 0..<classes { maximum = max(maximum, logits[j]) }
            var total = 0.0
            for j in 0..<classes { total += exp(Double(logits[j] - maximum)) }
            let logTotal = log(total) + Double(maximum)
            let labelWeight = Double(classWeights?[label] ?? 1)
            var smooth = 0.0
            if epsilon != 0 {
                for j in 0..<classes { smooth += Double(classWeights?[j] ?? 1) * (logTotal - Double(logits[j])) }
            }
            loss += (1 - epsilon) * labelWeight * (logTotal - Double(logits[label])) + epsilon / Double(classes) * smooth
            weightTotal += labelWeight
        }
        return Float(loss / max(weightTotal, .leastNormalMagnitude))
    }

    /// The gradient of `crossEntropyForward` times `lossGradient`: `[rows, classes]`, overwritten.
    ///
    /// Per row: `((1-ε) w[y] (p - onehot(y)) + ε/C (p * Σw - w)) / Σ_rows w[y]`.
    public static func crossEntropyBackward(logitsGradient: UnsafeMutablePointer<Float>,
                                            probabilities: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                                            classWeights: UnsafePointer<Float>?, labelSmoothing: Float,
                                            rows: Int, classes: Int, lossGradient: Float = 1) {
        var weightTotal = 0.0
        for row in 0..<rows { weightTotal += Double(classWeights?[Int(labels[row])] ?? 1) }
        var classWeightSum: Float = 0
        for j in 0..<classes { classWeightSum += classWeights?[j] ?? 1 }
        let scale = lossGradient / Float(max(weightTotal, .leastNormalMagnitude))
        let epsilon = labelSmoothing, smoothing = labelSmoothing / Float(classes)
        for row in 0..<rows {
            let p = probabilities + row * classes, target = logitsGradient + row * classes, label = Int(labels[row])
            let labelWeight = (1 - epsilon) * (classWeights?[label] ?? 1)
            for j in 0..<classes {
                var gradient = labelWeight * (p[j] - (j == label ? 1 : 0))
                if epsilon != 0 { gradient += smoothing * (p[j] * classWeightSum - (classWeights?[j] ?? 1)) }
                target[j] = gradient * scale
            }
        }
    }
}
