/// Lowers the learning rate when a monitored score stops improving, as Keras' `ReduceLROnPlateau`.
///
/// After each epoch `record` takes the score (higher is better: pass `-loss` for a loss). When it has
/// not beaten the best by more than `minDelta` for `patience` epochs in a row, the rate is multiplied
/// by `factor`, never going below `minimum`, and the count starts again. The state is a function of
/// the scores alone, so a resumed run rebuilds it by recording the saved history again.
public struct PlateauSchedule: Sendable, Equatable {
    public let factor: Float, patience: Int, minimum: Float, minDelta: Double
    /// The product of all reductions so far.
    public private(set) var multiplier: Float = 1
    public private(set) var best: Double?
    public private(set) var epochsWithoutImprovement = 0

    public init(factor: Float = 0.1, patience: Int = 10, minimum: Float = 0, minDelta: Double = 1e-4) {
        self.factor = factor
        self.patience = max(patience, 1)
        self.minimum = minimum
        self.minDelta = minDelta
    }

    /// `rate` (the scheduled rate before reductions) with the reductions so far applied.
    public func apply(to rate: Float) -> Float {
        multiplier < 1 ? max(rate * multiplier, minimum) : rate
    }

    /// Takes one epoch's score; returns true when this epoch lowered the rate.
    @discardableResult
    public mutating func record(_ score: Double, baseRate: Float) -> Bool {
        if let best, !(score > best + minDelta) {
            epochsWithoutImprovement += 1
        } else {
            best = score
            epochsWithoutImprovement = 0
            return false
        }
        guard epochsWithoutImprovement >= patience else { return false }
        epochsWithoutImprovement = 0
        guard apply(to: baseRate) > minimum else { return false }
        multiplier *= factor
        return true
    }
}
