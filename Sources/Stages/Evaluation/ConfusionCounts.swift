/// The four counts of a binary decision; label 1 is the positive class (malignant, or the last class).
public struct ConfusionCounts: Codable, Equatable, Sendable {
    public var tn = 0
    public var fp = 0
    public var fn = 0
    public var tp = 0

    /// Counts decisions `probability >= threshold` against `labels` (1 = positive).
    public init(labels: [Int], probabilities: [Double], threshold: Double) {
        for (label, probability) in zip(labels, probabilities) {
            switch (label == 1, probability >= threshold) {
            case (true, true): tp += 1
            case (true, false): fn += 1
            case (false, true): fp += 1
            case (false, false): tn += 1
            }
        }
    }

    public var total: Int { tn + fp + fn + tp }

    /// `a / b`, or 0 when `b` is 0 (scikit-learn's `zero_division=0`).
    static func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }

    public var accuracy: Double { Self.ratio(tp + tn, total) }
    public var precision: Double { Self.ratio(tp, tp + fp) }
    public var recall: Double { Self.ratio(tp, tp + fn) }
    public var specificity: Double { Self.ratio(tn, tn + fp) }
    public var balancedAccuracy: Double { (recall + specificity) / 2 }
    public var f1: Double { Self.ratio(2 * tp, 2 * tp + fp + fn) }

    /// The metrics whose denominator is zero here: defined as 0 for the point estimate, as scikit-learn does,
    /// but left out of bootstrap intervals, where a resample without positive calls says nothing of precision.
    public var undefinedMetrics: Set<String> {
        var names: Set<String> = []
        if tp + fp == 0 { names.insert("precision") }
        if tp + fn == 0 { names.formUnion(["recall", "balanced_accuracy"]) }
        if tn + fp == 0 { names.formUnion(["specificity", "balanced_accuracy"]) }
        if 2 * tp + fp + fn == 0 { names.insert("f1") }
        return names
    }
}
