/// Whether a network is being trained or evaluated.
public enum Mode: Sendable {
    case training, inference
}

/// A trainable tensor with its gradient and a frozen flag.
public final class Parameter {
    /// A name for messages and checkpoints, e.g. `conv1.weight`.
    public let name: String
    public let value: Tensor
    /// Written by each backward pass (overwritten, not accumulated) unless the parameter is frozen.
    public let gradient: Tensor
    /// Frozen parameters get no gradient and are skipped by optimizers.
    public var isFrozen = false
    /// Whether optimizers apply weight decay; off for biases and batch-norm scales by convention.
    public var decays: Bool

    public init(name: String, value: Tensor, decays: Bool = true) {
        self.name = name
        self.value = value
        self.gradient = Tensor(shape: value.shape)
        self.decays = decays
    }
}

/// What every layer runs with: the mode and the shared scratch arena.
public struct LayerContext {
    public var mode: Mode
    public var arena: ScratchArena

    public init(mode: Mode, arena: ScratchArena) {
        self.mode = mode
        self.arena = arena
    }
}

/// A node of a network: maps input tensors to one output and back-propagates gradients.
///
/// Layers keep what their backward pass needs (inputs, saved statistics) from the last forward call
/// and reuse their output and gradient tensors while shapes stay the same.
public protocol Layer: AnyObject {
    var name: String { get }
    /// The layer's parameters; empty for parameter-free layers.
    var parameters: [Parameter] { get }
    /// Computes the output, throwing `CNNError.shapeMismatch` for inputs it cannot take.
    func forward(_ inputs: [Tensor], context: LayerContext) throws -> Tensor
    /// Writes gradients of unfrozen parameters and returns a gradient for each input whose entry in
    /// `inputNeedsGradient` is true (nil for the others). Valid only after `forward`.
    func backward(_ outputGradient: Tensor, inputNeedsGradient: [Bool], context: LayerContext) -> [Tensor?]
    /// The layers a composite layer runs inside itself (e.g. a dense block's batch norms); empty otherwise.
    var sublayers: [Layer] { get }
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public var sublayers: [Layer] { [] }

    /// Whether any parameter of this layer is trained.
    public var isTrainable: Bool { parameters.contains { !$0.isFrozen } }

    /// Freezes or unfreezes all of this layer's parameters.
    public func setFrozen(_ frozen: Bool) {
        for parameter in parameters { parameter.isFrozen = frozen }
    }

    /// Throws unless `inputs` holds exactly `count` tensors of rank `rank`.
    func requireInputs(_ inputs: [Tensor], count: Int, rank: Int) throws {
        guard inputs.count == count else {
            throw CNNError.invalidConfiguration(layer: name, reason: "expected \(count) input(s), got \(inputs.count)")
        }
        for input in inputs where input.shape.count != rank {
            let layout = rank == 4 ? "[N, H, W, C]" : "[N, features]"
            throw CNNError.invalidConfiguration(layer: name, reason: "expected a rank-\(rank) \(layout) input, got shape \(input.shape)")
        }
    }
}
