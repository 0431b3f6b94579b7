/// How well predicted probabilities match observed frequencies.
public enum Calibration {
    public struct Bin: Equatable, Sendable {
        public var meanProbability: Double
        public var observedRate: Double
        public var count: Int
    }

    /// Equal-width bins over [0, 1]; a probability on an inner edge falls in the lower bin, as in
    /// scikit-learn's `calibration_curve`. Empty bins are left out.
    public static func bins(labels: [Int], probabilities: [Double], count: Int = 10) -> [Bin] {
        var sums = [Double](repeating: 0, count: count)
        var positives = [Int](repeating: 0, count: count)
        var sizes = [Int](repeating: 0, count: count)
        for (label, p) in zip(labels, probabilities) {
            var bin = 0
            // Edges as NumPy's linspace computes them, so values on an edge fall in the same bin.
            while bin < count - 1, Double(bin + 1) * (1 / Double(count)) < p { bin += 1 }
            sums[bin] += p
            positives[bin] += label == 1 ? 1 : 0
            sizes[bin] += 1
        }
        return (0..<count).filter { sizes[$0] > 0 }.map {
            Bin(meanProbability: sums[$0] / Double(sizes[$0]), observedRate: Double(positives[$0]) / Double(sizes[$0]), count: sizes[$0])
        }
    }

    /// Expected calibration error: the size-weighted mean gap between mean probability and observed rate.
    public static func expectedError(labels: [Int], probabilities: [Double], bins count: Int = 10) -> Double {
        guard !labels.isEmpty else { return 0 }
        return bins(labels: labels, probabilities: probabilities, count: count).reduce(0) {
            $0 + Double($1.count) / Double(labels.count) * abs($1.meanProbability - $1.observedRate)
        }
    }
}
