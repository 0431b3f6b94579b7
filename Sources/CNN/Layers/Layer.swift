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

/// What every layer runs with: the mode, the shared scratch arena and, in a graph's inference pass, its pool.
public struct LayerContext {
    public var mode: Mode
    public var arena: ScratchArena
    /// Where inference outputs come from when the graph frees activations as it goes; nil otherwise.
    public var pool: TensorPool?
    /// In training: where batch norms leave their batch statistics instead of updating their running averages
    /// (a trainer combining micro-batches); nil for the usual per-pass update.
    public var batchNormStatistics: BatchNormStatistics?
    /// In training: the stream dropout layers draw their masks from (mixed with each layer's seed), set by a
    /// trainer to name the step and micro-batch; nil to count the layer's own training passes.
    public var dropoutStream: UInt64?

    public init(mode: Mode, arena: ScratchArena, pool: TensorPool? = nil, batchNormStatistics: BatchNormStatistics? = nil,
                dropoutStream: UInt64? = nil) {
        self.mode = mode
        self.arena = arena
        self.pool = pool
        self.batchNormStatistics = batchNormStatistics
        self.dropoutStream = dropoutStream
    }

    /// Whether an output of `shape` comes from the pool, in which case the layer keeps nothing that only its
    /// backward pass reads. Only feature maps do: feature vectors are small, and Grad-CAM runs a head's
    /// backward after an inference pass.
    public func pools(_ shape: [Int]) -> Bool { pool != nil && shape.count == 4 }

    /// The tensor a layer writes its output into: a pooled one when `pools(shape)` (the layer must not keep
    /// it), otherwise `own`, refreshed to `shape` and kept for the next call.
    public func outputBuffer(_ own: inout Tensor?, shape: [Int]) -> Tensor {
        if let pool, pools(shape) { return pool.take(shape) }
        own = Tensor.reusing(own, shape: shape)
        return own!
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
