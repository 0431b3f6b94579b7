/// Updates parameters from their gradients; frozen parameters are skipped.
public protocol Optimizer: AnyObject {
    /// Applies one update with the given learning rate (usually from a `LearningRateSchedule`).
    func step(_ parameters: [Parameter], learningRate: Float)
}

/// Per-parameter optimizer state tensors, created on first use.
final class OptimizerState {
    private var slots: [ObjectIdentifier: [Tensor]] = [:]

    /// The `count` state tensors of `parameter`, zero-initialised the first time.
    func tensors(for parameter: Parameter, count: Int) -> [Tensor] {
        if let existing = slots[ObjectIdentifier(parameter)] { return existing }
        let created = (0..<count).map { _ in Tensor(shape: parameter.value.shape) }
        slots[ObjectIdentifier(parameter)] = created
        return created
    }
}
