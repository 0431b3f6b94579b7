/// A network as a directed acyclic graph of layers, run in the order they were added.
///
/// Node 0 is the network input. Sequential models chain `append`; DenseNet concatenation, ResNet
/// residual additions and Inception branches use `add(_:inputs:)` with several inputs.
/// The backward pass visits only nodes that lead to a trainable parameter, so a frozen backbone
/// costs nothing in backward. In inference each feature map goes back to `pool` once its last reader has run,
/// so memory follows the activations alive at one time.
public final class Graph {
    /// A handle to a node's output.
    public struct Node: Hashable, Sendable {
        public let index: Int
    }

    private var layers: [Layer?] = [nil]
    private var inputsOf: [[Int]] = [[]]
    private var outputs: [Tensor?] = [nil]
    private var gradients: [Tensor?] = [nil]
    private var accumulators: [Tensor?] = [nil]
    private var needsGradient: [Bool] = [false]
    /// The scratch arena shared by all layers.
    public let arena: ScratchArena
    /// The buffers inference passes lend to layers for their feature maps.
    public let pool = TensorPool()
    /// Whether inference passes free each node's feature map after its last reader (on by default); when off,
    /// every layer keeps its output as in training.
    public var freesActivations = true
    private var keptNodes: Set<Int> = []
    /// Training passes leave batch-norm statistics here instead of updating running averages when set.
    public var batchNormStatistics: BatchNormStatistics?
    /// The dropout stream of the next training passes (`LayerContext.dropoutStream`); nil counts passes.
    public var dropoutStream: UInt64?
    private var lastPassFreed = false
    /// The node whose value `forward` returns; defaults to the last node added.
    public var output: Node

    /// The network input.
    public var input: Node { Node(index: 0) }

    public init(arena: ScratchArena = ScratchArena()) {
        self.arena = arena
        output = Node(index: 0)
    }

    /// Adds a layer reading the given nodes and returns its node, which becomes the output.
    @discardableResult
    public func add(_ layer: Layer, inputs: [Node]) -> Node {
        precondition(inputs.allSatisfy { $0.index < layers.count }, "graph: layer '\(layer.name)' reads a node that does not exist")
        layers.append(layer)
        inputsOf.append(inputs.map(\.index))
        outputs.append(nil)
        gradients.append(nil)
        accumulators.append(nil)
        needsGradient.append(false)
        output = Node(index: layers.count - 1)
        return output
    }

    /// Adds a layer reading the current output node.
    @discardableResult
    public func append(_ layer: Layer) -> Node { add(layer, inputs: [output]) }

    /// The output of node `index` (0 is the input) from the last `forward` call, if it ran. After an inference
    /// pass that frees activations only the input, the returned node and kept nodes have one.
    public func value(at index: Int) -> Tensor? { index < outputs.count ? outputs[index] : nil }

    /// Keeps `node`'s value after inference passes, for `value(at:)` (e.g. Grad-CAM's feature map).
    public func keep(_ node: Node) { keptNodes.insert(node.index) }

    /// All layers in execution order, composite layers replaced by the layers they run.
    public var allLayers: [Layer] { layers.compactMap { $0 }.flatMap { $0.sublayers.isEmpty ? [$0] : $0.sublayers } }

    /// All parameters, in layer order.
    public var parameters: [Parameter] { allLayers.flatMap(\.parameters) }

    /// Runs the network on `input` (`[N, H, W, C]`) and returns the output node's value.
    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        try run(from: 0, value: input, through: output.index, mode: mode)
    }

    /// Runs nodes `1...last` on `input` and returns node `last`'s value (a prefix of the network).
    public func forward(_ input: Tensor, mode: Mode, through last: Int) throws -> Tensor {
        try run(from: 0, value: input, through: last, mode: mode)
    }

    /// Takes `value` as node `node`'s output and runs the nodes after it, returning the output node's value.
    /// The nodes up to `node` do not run: they must not need gradients, which holds when they are frozen and
    /// no later node reads an earlier one.
    public func forward(resuming node: Int, with value: Tensor, mode: Mode) throws -> Tensor {
        try run(from: node, value: value, through: output.index, mode: mode)
    }

    private func run(from start: Int, value: Tensor, through last: Int, mode: Mode) throws -> Tensor {
        let frees = mode == .inference && freesActivations
        lastPassFreed = frees
        if frees { pool.reclaimAll(except: value) } else { pool.drain() }
        let training = mode == .training
        let context = LayerContext(mode: mode, arena: arena, pool: frees ? pool : nil,
                                   batchNormStatistics: training ? batchNormStatistics : nil,
                                   dropoutStream: training ? dropoutStream : nil)
        let nodes = (start + 1)..<max(min(last + 1, layers.count), start + 1)
        var readers = [Int](repeating: 0, count: layers.count)
        for index in nodes { for source in inputsOf[index] { readers[source] += 1 } }
        for index in [start, last] + keptNodes { readers[index] += 1 }
        // Readers left per buffer, since a layer may return its input (dropout in inference).
        var uses: [ObjectIdentifier: Int] = [:]
        func buffer(_ tensor: Tensor) -> ObjectIdentifier { ObjectIdentifier(tensor.base ?? tensor) }
        func read(_ node: Int) {
            guard frees, let tensor = outputs[node] else { return }
            readers[node] -= 1
            uses[buffer(tensor), default: 0] -= 1
            if readers[node] == 0 { outputs[node] = nil }
            if uses[buffer(tensor)] == 0 { pool.giveBack(tensor) }
        }
        outputs[start] = value
        uses[buffer(value)] = readers[start]
        for index in nodes {
            let values = inputsOf[index].map { outputs[$0]! }
            let result = try layers[index]!.forward(values, context: context)
            outputs[index] = result
            guard frees else { continue }
            readers[index] += 1
            uses[buffer(result), default: 0] += readers[index]
            read(index)
            for source in inputsOf[index] { read(source) }
        }
        return outputs[last]!
    }

    /// Back-propagates `outputGradient` (shaped like `forward`'s result), writing the gradients of all
    /// unfrozen parameters; after an inference pass only when `freesActivations` was off. Layers that neither train nor feed a trainable layer are skipped.
    public func backward(_ outputGradient: Tensor) {
        precondition(!lastPassFreed, "graph: backward after an inference pass that freed its activations; set freesActivations = false to differentiate inference")
        let context = LayerContext(mode: .training, arena: arena)
        let last = output.index
        for index in 1..<layers.count {
            needsGradient[index] = layers[index]!.isTrainable || inputsOf[index].contains { needsGradient[$0] }
        }
        for index in 0..<gradients.count { gradients[index] = nil }
        let consumers = consumerCounts(upTo: last)
        gradients[last] = outputGradient
        for index in stride(from: last, through: 1, by: -1) {
            guard needsGradient[index], let gradient = gradients[index] else { continue }
            let sources = inputsOf[index]
            let results = layers[index]!.backward(gradient, inputNeedsGradient: sources.map { needsGradient[$0] },
                                                  context: context)
            for (source, result) in zip(sources, results) {
                guard let result, needsGradient[source] else { continue }
                accumulate(result, into: source, consumers: consumers[source])
            }
        }
    }

    /// Adds one consumer's gradient for node `source`; nodes read by several layers sum into a buffer
    /// the graph owns, because layers may hand back tensors they still use.
    private func accumulate(_ gradient: Tensor, into source: Int, consumers: Int) {
        guard consumers > 1 else {
            gradients[source] = gradient
            return
        }
        if let existing = gradients[source] {
            Elementwise.accumulate(existing.data, gradient.data, count: existing.count)
        } else {
            let buffer = Tensor.reusing(accumulators[source], shape: gradient.shape)
            buffer.copy(from: gradient)
            accumulators[source] = buffer
            gradients[source] = buffer
        }
    }

    private func consumerCounts(upTo last: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: layers.count)
        for index in 1...max(last, 1) where index < layers.count {
            for source in inputsOf[index] { counts[source] += 1 }
        }
        return counts
    }

    /// The number of layers whose backward ran in the last `backward` call's plan.
    public var backwardLayerCount: Int { needsGradient.dropFirst().filter { $0 }.count }
}
