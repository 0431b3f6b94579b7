import CNN

/// An ImageNet CNN built in one framework's naming, ready to load that framework's weights, predict,
/// or be fine-tuned through its `graph`.
///
/// The network is a trunk ending in pooled features `[N, featureCount]` and an optional dense head
/// (`predictions` in Keras, `classifier`/`fc` in torchvision). The graph outputs logits; `predict`
/// applies the softmax. `replaceHead` swaps the head for a new class count while keeping the trunk.
public final class Model {
    public let architecture: Architecture
    public let variant: Variant
    /// The options the model was built with; `classes` and `includeTop` follow `replaceHead`/`removeHead`.
    public private(set) var options: ModelOptions
    /// The input scaling the model expects; the published weights' mode unless changed.
    public var preprocessing: Preprocessing
    /// The network, from NHWC input to logits (or to features when there is no head).
    public private(set) var graph: Graph
    /// The width of the pooled features the head reads.
    public let featureCount: Int
    /// The classification head, nil after `removeHead` or when built without a top.
    public private(set) var head: DenseLayer?

    let trunkLayers: [(layer: Layer, inputs: [Int])]
    let trunkOutput: Int
    let trunkSlots: [WeightSlot]
    private let trunkState: [(name: String, tensor: Tensor)]
    private var headSlots: [WeightSlot] = []
    private var headState: [(name: String, tensor: Tensor)] = []
    private let headName: String
    private let headLayout: WeightSlot.Layout
    private(set) var kerasVariables: [String: [String]]

    /// Builds `architecture` with random weights drawn from `options.seed`.
    public init(architecture: Architecture, variant: Variant, options: ModelOptions = ModelOptions()) throws {
        guard options.classes > 0 else { throw ModelError.invalidConfiguration("classes must be at least 1") }
        let trunk = try TrunkCatalog.trunk(of: architecture, variant: variant, options: options)
        self.architecture = architecture
        self.variant = variant
        self.options = options
        preprocessing = architecture.preprocessing(for: variant)
        trunkLayers = trunk.builder.layers
        trunkOutput = trunk.output
        trunkSlots = trunk.builder.slots
        trunkState = trunk.builder.state
        featureCount = trunk.builder.channels[trunk.output]
        headName = trunk.headName
        headLayout = trunk.headLayout
        kerasVariables = trunk.builder.kerasVariables
        graph = Graph()
        if options.includeTop {
            replaceHead(classes: options.classes, seed: options.seed &+ 1)
        } else {
            rebuildGraph()
        }
    }

    /// Puts a new randomly initialised head with `classes` outputs on the trunk, under the framework's
    /// head name (so a checkpoint of the new model loads back), and rebuilds `graph`.
    public func replaceHead(classes: Int, seed: UInt64) {
        precondition(classes > 0, "replaceHead: classes must be at least 1")
        let builder = NetworkBuilder(variant: variant, seed: seed)
        head = builder.makeDense(headName, inFeatures: featureCount, units: classes, layout: headLayout)
        headSlots = builder.slots
        headState = builder.state
        kerasVariables.merge(builder.kerasVariables) { $1 }
        options.includeTop = true
        options.classes = classes
        rebuildGraph()
    }

    /// Drops the head, so the graph outputs the pooled features.
    public func removeHead() {
        head = nil
        headSlots = []
        headState = []
        kerasVariables[headName] = nil
        options.includeTop = false
        rebuildGraph()
    }

    private func rebuildGraph() {
        let rebuilt = Graph(arena: graph.arena)
        var nodes = [rebuilt.input]
        for (layer, inputs) in trunkLayers { nodes.append(rebuilt.add(layer, inputs: inputs.map { nodes[$0] })) }
        if let head {
            rebuilt.add(head, inputs: [nodes[trunkOutput]])
        } else {
            rebuilt.output = nodes[trunkOutput]
        }
        // Grad-CAM reads the last feature map after an inference pass, which would otherwise free it.
        if let featureMap = featureMapNodeIndex { rebuilt.keep(nodes[featureMap]) }
        graph = rebuilt
    }

    /// The tensors a weights file must provide, trunk first, then the head's.
    public var weightSlots: [WeightSlot] { trunkSlots + headSlots }

    /// The head's keys in the framework's naming, e.g. `predictions/kernel` or `classifier.weight`.
    public var headKeys: [String] { headSlots.map(\.key) }

    /// The prefix of the head's keys in weight files, whether or not the model has a head:
    /// `predictions/`, `classifier.`, `fc.`, `classifier.6.`.
    public var headKeyPrefix: String { headName + (variant == .keras ? "/" : ".") }

    /// Keras layer-name families the model numbers by creation order because Keras leaves those layers
    /// unnamed (InceptionV3's `conv2d_<n>` and `batch_normalization_<n>`).
    var kerasAutoNamedFamilies: [String] {
        variant == .keras && architecture == .inceptionV3 ? ["conv2d", "batch_normalization"] : []
    }

    /// Older Keras classifier names mapped to the model's head: keras-applications named it `fc1000`
    /// (DenseNet) or `probs` (the ResNet family) where Keras now uses `predictions`.
    var kerasLayerAliases: [String: String] {
        variant == .keras ? ["fc1000": headName, "probs": headName] : [:]
    }

    /// Every tensor of the model under pipe's checkpoint names (parameters and batch-norm running statistics).
    public var state: [(name: String, tensor: Tensor)] { trunkState + headState }

    /// The trunk's trainable parameters.
    public var backboneParameters: [Parameter] { trunkLayers.flatMap { $0.layer.parameters } }

    /// Freezes or unfreezes the trunk; frozen batch norms then use their running statistics in training.
    public func setBackboneFrozen(_ frozen: Bool) {
        for parameter in backboneParameters { parameter.isFrozen = frozen }
        for case let norm as BatchNormLayer in flatTrunkLayers { keepScaleFrozen(norm) }
    }

    /// Keras `scale=False` batch norms keep gamma at 1 whatever else is unfrozen.
    func keepScaleFrozen(_ layer: BatchNormLayer) {
        if !trunkSlots.contains(where: { $0.target === layer.gamma.value }) { layer.gamma.isFrozen = true }
    }

    /// The graph's output in inference mode: logits `[N, classes]`, or features without a head.
    /// The result is a copy the caller owns.
    public func logits(_ batch: Tensor) throws -> Tensor {
        guard batch.shape.count == 4, batch.shape[3] == 3, batch.shape[0] > 0 else {
            throw ModelError.invalidInput("expected a non-empty NHWC batch [N, H, W, 3], got \(batch.shape)")
        }
        let output = try graph.forward(batch, mode: .inference)
        let copy = Tensor(shape: output.shape)
        copy.copy(from: output)
        return copy
    }

    /// Class probabilities `[N, classes]` for a preprocessed NHWC batch: the softmax of the logits.
    public func predict(_ batch: Tensor) throws -> Tensor {
        guard head != nil else { throw ModelError.invalidInput("the model has no classification head; call replaceHead first") }
        let logits = try logits(batch)
        let probabilities = Tensor(shape: logits.shape)
        Softmax.forward(output: probabilities.data, logits: logits.data, rows: logits.shape[0], classes: logits.shape[1])
        return probabilities
    }
}
