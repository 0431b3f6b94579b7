import PipeSpec

/// The `with` block of `fine-tune`.
public struct FineTuneParameters: StageParameterSet {
    /// Which backbone layers stay fixed.
    public enum Freeze: ParameterValue, Equatable {
        /// Only the head trains.
        case backbone
        case none
        /// Layers up to and including this layer, block or Keras stage prefix stay fixed.
        case until(String)

        public init?(json: JSONValue) {
            switch json.stringValue {
            case "backbone": self = .backbone
            case "none": self = .none
            default:
                guard let name = json["until"]?.stringValue else { return nil }
                self = .until(name)
            }
        }

        public var json: JSONValue {
            switch self {
            case .backbone: .string("backbone")
            case .none: .string("none")
            case .until(let name): .object(["until": .string(name)])
            }
        }
    }

    public struct Optimizer: Sendable {
        public enum Name: String, ParameterChoice { case adam, sgd, adamw }
        public var name = Name.adam
        public var lr: Double
        /// SGD only.
        public var momentum = 0.9
        /// SGD only.
        public var nesterov = false
        public var weightDecay = 0.0
        /// The largest global L2 norm of the gradients; unset: no clipping.
        public var clipNorm: Double?

        init(reading r: ParameterReader) throws {
            name = try r.required("name")
            lr = try r.required("lr")
            momentum = try r.value("momentum", default: momentum)
            nesterov = try r.value("nesterov", default: nesterov)
            weightDecay = try r.value("weight_decay", default: weightDecay)
            clipNorm = try r.optional("clip_norm")
        }
    }

    public struct Schedule: Sendable {
        public enum Name: String, ParameterChoice { case constant, step, cosine, reduceOnPlateau = "reduce-on-plateau" }
        public var name = Name.constant
        public var warmupEpochs = 0
        /// `step`: epochs between decays.
        public var stepSize = 10
        /// `step` and `reduce-on-plateau`: what the rate is multiplied by.
        public var factor = 0.1
        /// `reduce-on-plateau`: epochs without improvement before the rate drops.
        public var patience = 10
        /// `cosine` and `reduce-on-plateau`: the lowest rate.
        public var minLR = 0.0
        /// `reduce-on-plateau`: the metric watched (in its own direction, as Keras' `mode: auto`); unset: the
        /// early-stopping monitor.
        public var monitor: EarlyStopping.Monitor?

        init(reading r: ParameterReader) throws {
            name = try r.value("name", default: name)
            warmupEpochs = try r.value("warmup_epochs", default: warmupEpochs)
            stepSize = try r.value("step_size", default: stepSize)
            factor = try r.value("factor", default: factor)
            patience = try r.value("patience", default: patience)
            minLR = try r.value("min_lr", default: minLR)
            monitor = try r.optional("monitor")
        }
    }

    public struct EarlyStopping: Sendable {
        public enum Monitor: String, ParameterChoice {
            case valLoss = "val_loss", valAUC = "val_auc", valAccuracy = "val_accuracy"

            /// Whether a larger value is better, as Keras' `mode: auto` decides from the name.
            public var risesWhenBetter: Bool { self != .valLoss }
        }
        /// Which direction counts as better, as Keras' `mode`: `auto` takes it from the monitor's name.
        public enum Mode: String, ParameterChoice { case auto, min, max }
        public var monitor = Monitor.valLoss
        public var mode = Mode.auto
        /// Epochs without improvement before training stops; unset: never stops early.
        public var patience: Int?
        public var restoreBest = true

        init(reading r: ParameterReader) throws {
            monitor = try r.value("monitor", default: monitor)
            mode = try r.value("mode", default: mode)
            patience = try r.optional("patience")
            restoreBest = try r.value("restore_best", default: restoreBest)
        }

        /// Whether a larger monitored value counts as better.
        public var maximizes: Bool { mode == .auto ? monitor.risesWhenBetter : mode == .max }
    }

    public enum ClassWeights: String, ParameterChoice { case auto, none }

    /// One layer of the head, in the order the list gives.
    public struct HeadLayer: Sendable {
        public enum Kind: String, ParameterChoice {
            case globalAveragePool = "global_average_pool", flatten, dropout, batchNorm = "batch_norm", dense
        }
        public enum Activation: String, ParameterChoice { case relu, softmax, linear }
        public var layer: Kind
        /// `dropout`: the share of units dropped (the schema requires it there).
        public var rate: Double?
        /// `dense`: output units (the schema requires it there).
        public var units: Int?
        /// `dense`; `softmax` is applied by the loss and by `predict`, so it trains like `linear`.
        public var activation = Activation.linear

        init(reading r: ParameterReader) throws {
            layer = try r.required("layer")
            rate = try r.optional("rate")
            units = try r.optional("units")
            activation = try r.value("activation", default: activation)
        }

        var json: JSONValue {
            var object: [String: JSONValue] = ["layer": layer.json, "activation": activation.json]
            if let rate { object["rate"] = rate.json }
            if let units { object["units"] = units.json }
            return .object(object)
        }
    }

    /// The head's layers; unset: global average pooling and a dense layer with one unit per class.
    public var head: [HeadLayer] = []
    public var freeze = Freeze.backbone
    public var optimizer: Optimizer
    public var schedule: Schedule
    public var epochs = 10
    public var batchSize = 16
    public var earlyStopping: EarlyStopping
    public var classWeights = ClassWeights.none
    /// Unset: the architecture's native input size (InceptionV3 299, the others 224).
    public var imageSize: Int?
    public var onlineAugment: AugmentPlan
    public var labelSmoothing = 0.0
    /// The micro-batches each batch is cut into, each with its own forward and backward pass (and batch-norm
    /// statistics); their gradients are summed in a fixed order. The unit of data-parallel work: `resources.ranks`
    /// ranks divide them between them and give the same bits as one process.
    public var shards = 1
    /// Another fine-tune stage (in `needs`) whose trained classifier, backbone and head, this stage starts from
    /// instead of an import-weights checkpoint; unset: a fresh head on the checkpoint.
    public var initFrom: String?

    public init(reading r: ParameterReader) throws {
        head = try r.items("head") { try HeadLayer(reading: $0) }
        freeze = try r.value("freeze", default: freeze)
        optimizer = try Optimizer(reading: r.object("optimizer", required: true))
        schedule = try Schedule(reading: r.object("schedule"))
        epochs = try r.value("epochs", default: epochs)
        batchSize = try r.value("batch_size", default: batchSize)
        earlyStopping = try EarlyStopping(reading: r.object("early_stopping"))
        classWeights = try r.value("class_weights", default: classWeights)
        imageSize = try r.optional("image_size")
        onlineAugment = try AugmentPlan(reading: r, key: "online_augment")
        labelSmoothing = try r.value("label_smoothing", default: labelSmoothing)
        shards = try r.value("shards", default: shards)
        initFrom = try r.optional("init_from")
    }
}
