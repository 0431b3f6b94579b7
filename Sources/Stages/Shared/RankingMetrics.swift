/// Threshold-free scores computed from predicted probabilities: ROC AUC, average precision, Youden's cut.
public enum RankingMetrics {
    /// Area under the ROC curve: the chance a random positive scores above a random negative (ties count half).
    /// Nil when only one class is present.
    public static func rocAUC(labels: [Int], scores: [Double]) -> Double? {
        let positives = labels.filter { $0 == 1 }.count
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, scores[order[end + 1]] == scores[order[start]] { end += 1 }
            let averageRank = Double(start + end) / 2 + 1
            for i in start...end where labels[order[i]] == 1 { rankSum += averageRank }
            start = end + 1
        }
        let p = Double(positives), n = Double(negatives)
        return (rankSum - p * (p + 1) / 2) / (p * n)
    }

    /// The (false positive rate, true positive rate, threshold) points at each distinct score, highest first.
    static func rocPoints(labels: [Int], scores: [Double]) -> [(fpr: Double, tpr: Double, threshold: Double)] {
        let positives = Double(labels.filter { $0 == 1 }.count)
        let negatives = Double(labels.count) - positives
        var points: [(Double, Double, Double)] = [(0, 0, .infinity)]
        var tp = 0.0, fp = 0.0
        for (score, group) in groupedByScore(labels: labels, scores: scores) {
            tp += Double(group.positives)
            fp += Double(group.negatives)
            points.append((negatives == 0 ? 0 : fp / negatives, positives == 0 ? 0 : tp / positives, score))
        }
        return points
    }

    /// The (recall, precision) points at each distinct score, highest first, starting from recall 0.
    static func precisionRecallPoints(labels: [Int], scores: [Double]) -> [(x: Double, y: Double)] {
        let positives = labels.filter { $0 == 1 }.count
        guard positives > 0 else { return [] }
        var tp = 0, fp = 0
        var points: [(x: Double, y: Double)] = []
        for (_, group) in groupedByScore(labels: labels, scores: scores) {
            tp += group.positives
            fp += group.negatives
            if points.isEmpty { points.append((x: 0, y: Double(tp) / Double(tp + fp))) }
            points.append((x: Double(tp) / Double(positives), y: Double(tp) / Double(tp + fp)))
            // Like scikit-learn's curve, stop at the first threshold that reaches full recall.
            if tp == positives { break }
        }
        return points
    }

    /// Average precision, the step-wise area under the precision-recall curve (scikit-learn's
    /// `average_precision_score`). Nil when there is no positive.
    public static func averagePrecision(labels: [Int], scores: [Double]) -> Double? {
        let positives = labels.filter { $0 == 1 }.count
        guard positives > 0 else { return nil }
        var tp = 0, fp = 0
        var previousRecall = 0.0
        var area = 0.0
        for (_, group) in groupedByScore(labels: labels, scores: scores) {
            tp += group.positives
            fp += group.negatives
            let recall = Double(tp) / Double(positives)
            area += (recall - previousRecall) * Double(tp) / Double(tp + fp)
            previousRecall = recall
        }
        return area
    }

    /// The threshold that maximises sensitivity + specificity - 1 on these scores (the first, i.e. highest,
    /// on ties); decisions are `score >= threshold`.
    public static func youdenThreshold(labels: [Int], scores: [Double]) -> Double? {
        guard labels.contains(1), labels.contains(0) else { return nil }
        var best: (j: Double, threshold: Double)?
        for point in rocPoints(labels: labels, scores: scores).dropFirst() {
            let j = point.tpr - point.fpr
            if best == nil || j > best!.j { best = (j, point.threshold) }
        }
        return best?.threshold
    }

    /// Scores from highest to lowest, each with how many positives and negatives share it.
    private static func groupedByScore(labels: [Int], scores: [Double]) -> [(Double, (positives: Int, negatives: Int))] {
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var groups: [(Double, (positives: Int, negatives: Int))] = []
        for i in order {
            if let last = groups.last, last.0 == scores[i] {
                groups[groups.count - 1].1.positives += labels[i] == 1 ? 1 : 0
                groups[groups.count - 1].1.negatives += labels[i] == 1 ? 0 : 1
            } else {
                groups.append((scores[i], (labels[i] == 1 ? 1 : 0, labels[i] == 1 ? 0 : 1)))
            }
        }
        return groups
    }
}
