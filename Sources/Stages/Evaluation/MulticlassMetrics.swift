/// Per-class precision, recall and F1, their macro and support-weighted averages, and the confusion matrix
/// of a k-class decision (scikit-learn's `precision_recall_fscore_support` with `zero_division=0`).
public struct MulticlassMetrics: Equatable, Sendable {
    public struct PerClass: Equatable, Sendable {
        public var precision: Double
        public var recall: Double
        public var f1: Double
        public var support: Int
    }

    /// `confusion[true][predicted]`.
    public var confusion: [[Int]]
    public var perClass: [PerClass]

    public init(labels: [Int], predictions: [Int], classes: Int) {
        var confusion = Array(repeating: Array(repeating: 0, count: classes), count: classes)
        for (label, prediction) in zip(labels, predictions) { confusion[label][prediction] += 1 }
        self.confusion = confusion
        perClass = (0..<classes).map { c in
            let tp = confusion[c][c]
            let predicted = (0..<classes).reduce(0) { $0 + confusion[$1][c] }
            let actual = confusion[c].reduce(0, +)
            let precision = ConfusionCounts.ratio(tp, predicted)
            let recall = ConfusionCounts.ratio(tp, actual)
            return PerClass(precision: precision, recall: recall, f1: ConfusionCounts.ratio(2 * tp, predicted + actual), support: actual)
        }
    }

    public var accuracy: Double {
        ConfusionCounts.ratio(confusion.indices.reduce(0) { $0 + confusion[$1][$1] }, confusion.joined().reduce(0, +))
    }

    public var macroPrecision: Double { mean(perClass.map(\.precision)) }
    public var macroRecall: Double { mean(perClass.map(\.recall)) }
    public var macroF1: Double { mean(perClass.map(\.f1)) }

    public var weightedPrecision: Double { weighted(perClass.map(\.precision)) }
    public var weightedRecall: Double { weighted(perClass.map(\.recall)) }
    public var weightedF1: Double { weighted(perClass.map(\.f1)) }

    /// The mean recall over the classes that occur (scikit-learn's `balanced_accuracy_score`).
    public var balancedAccuracy: Double { mean(perClass.filter { $0.support > 0 }.map(\.recall)) }

    private func weighted(_ values: [Double]) -> Double {
        let total = perClass.reduce(0) { $0 + $1.support }
        return total == 0 ? 0 : zip(values, perClass).reduce(0) { $0 + $1.0 * Double($1.1.support) } / Double(total)
    }

    private func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
}
