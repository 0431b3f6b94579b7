import Foundation

/// A learning rate as a function of the step (or epoch) index, with an optional linear warm-up.
///
/// During the first `warmupSteps` steps the rate rises linearly from `warmupStartFactor * base`
/// towards `base` (PyTorch's `LinearLR`); afterwards `decay` applies to the steps since warm-up.
public struct LearningRateSchedule: Sendable {
    public enum Decay: Sendable {
        case constant
        /// Multiply by `gamma` every `every` steps (PyTorch's `StepLR`).
        case step(every: Int, gamma: Float)
        /// Cosine annealing from `base` to `minimum` over `totalSteps` (PyTorch's `CosineAnnealingLR`),
        /// then staying at `minimum` where PyTorch would start rising again.
        case cosine(totalSteps: Int, minimum: Float)
    }

    public var base: Float
    public var decay: Decay
    public var warmupSteps: Int
    public var warmupStartFactor: Float

    public init(base: Float, decay: Decay = .constant, warmupSteps: Int = 0, warmupStartFactor: Float = 1.0 / 3.0) {
        self.base = base
        self.decay = decay
        self.warmupSteps = warmupSteps
        self.warmupStartFactor = warmupStartFactor
    }

    /// The rate for zero-based `step`.
    public func rate(at step: Int) -> Float {
        if step < warmupSteps {
            let progress = Float(step) / Float(warmupSteps)
            return base * (warmupStartFactor + (1 - warmupStartFactor) * progress)
        }
        let t = step - warmupSteps
        switch decay {
        case .constant:
            return base
        case let .step(every, gamma):
            return base * Float(pow(Double(gamma), Double(t / max(every, 1))))
        case let .cosine(totalSteps, minimum):
            let progress = Double(min(t, totalSteps)) / Double(max(totalSteps, 1))
            return minimum + (base - minimum) * Float((1 + cos(Double.pi * progress)) / 2)
        }
    }
}
