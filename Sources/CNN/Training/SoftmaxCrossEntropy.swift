/// The training loss: mean softmax cross-entropy with optional class weights and label smoothing.
///
/// Matches PyTorch's `F.cross_entropy(logits, labels, weight:, label_smoothing:)` with mean reduction.
public final class SoftmaxCrossEntropy {
    /// `[classes]` per-class weights, or nil for equal weights.
    public var classWeights: [Float]?
    /// The share of the target spread uniformly over all classes, in `[0, 1)`.
    public var labelSmoothing: Float
    /// `[N, classes]` softmax of the last logits.
    public private(set) var probabilities: Tensor?
    private var logitsGradient: Tensor?
    private var labels: [Int32] = []

    public init(classWeights: [Float]? = nil, labelSmoothing: Float = 0) {
        self.classWeights = classWeights
        self.labelSmoothing = labelSmoothing
    }

    /// The loss of `logits` (`[N, classes]`) against `labels` (`N` values in `0..<classes`).
    public func forward(logits: Tensor, labels: [Int32]) throws -> Float {
        guard logits.shape.count == 2, logits.shape[0] == labels.count else {
            throw CNNError.shapeMismatch(layer: "softmax cross-entropy", expected: [labels.count, logits.channels],
                                         actual: logits.shape)
        }
        let classes = logits.shape[1]
        if let bad = labels.first(where: { $0 < 0 || Int($0) >= classes }) {
            throw CNNError.invalidConfiguration(layer: "softmax cross-entropy",
                                                reason: "label \(bad) is outside 0..<\(classes)")
        }
        if let classWeights, classWeights.count != classes {
            throw CNNError.invalidConfiguration(layer: "softmax cross-entropy",
                                                reason: "\(classWeights.count) class weights for \(classes) classes")
        }
        let p = Tensor.reusing(probabilities, shape: logits.shape)
        probabilities = p
        self.labels = labels
        return labels.withUnsafeBufferPointer { labelPointer in
            withOptionalPointer(classWeights) { weights in
                Softmax.crossEntropyForward(probabilities: p.data, logits: logits.data, labels: labelPointer.baseAddress!,
                                            classWeights: weights, labelSmoothing: labelSmoothing,
                                            rows: labels.count, classes: classes)
            }
        }
    }

    /// The gradient of the last loss with respect to its logits, `[N, classes]`.
    public func backward() -> Tensor {
        guard let p = probabilities else { preconditionFailure("SoftmaxCrossEntropy.backward called before forward") }
        let gradient = Tensor.reusing(logitsGradient, shape: p.shape)
        logitsGradient = gradient
        labels.withUnsafeBufferPointer { labelPointer in
            withOptionalPointer(classWeights) { weights in
                Softmax.crossEntropyBackward(logitsGradient: gradient.data, probabilities: p.data,
                                             labels: labelPointer.baseAddress!, classWeights: weights,
                                             labelSmoothing: labelSmoothing, rows: labels.count, classes: p.shape[1])
            }
        }
        return gradient
    }
}

/// Calls `body` with a pointer to `array`'s elements, or nil when there is no array.
func withOptionalPointer<R>(_ array: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let array else { return body(nil) }
    return array.withUnsafeBufferPointer { body($0.baseAddress) }
}
