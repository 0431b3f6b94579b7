import Foundation

/// Everything the report page shows, gathered from the upstream stages' outputs.
public struct ReportContent: Sendable {
    /// What the data stages recorded; `nil` (or empty counts) where a fact was not recorded upstream.
    public struct DataSummary: Sendable {
        /// Image counts per split and class.
        public var counts: [String: [String: Int]] = [:]
        /// Patient counts per split.
        public var patients: [String: Int] = [:]
        /// The leakage check, computed from the split manifest: `nil` when not recorded.
        public var patientsShared: [String]?
        /// Images ingest kept; `nil` when ingest's record did not reach the report.
        public var ingestedImages: Int?
        /// Files ingest skipped (corrupt, unreadable, misnamed) with the reason; `nil` when not recorded.
        public var skippedFiles: [(path: String, reason: String)]?
        public var balance: Balance?
        /// For synthetic data, the difficulty and how many images carry a wrong label; `nil` for real data.
        public var labelNoise: String?
        public init() {}
    }

    /// The balance stage's decision: strategy and rows per class before and after.
    public struct Balance: Sendable {
        public var strategy: String
        public var before: [String: Int]
        public var after: [String: Int]
        public init(strategy: String, before: [String: Int], after: [String: Int]) {
            self.strategy = strategy; self.before = before; self.after = after
        }
    }

    /// A model's scores on more than two classes, as evaluate recorded them.
    public struct Multiclass: Sendable {
        public struct ClassScores: Sendable {
            public var name: String
            public var precision, recall, f1: Double
            public var support: Int
            /// One-vs-rest ROC AUC; nil when the class had no positive or no negative test image.
            public var rocAUC: Double?
            public init(name: String, precision: Double, recall: Double, f1: Double, support: Int, rocAUC: Double?) {
                self.name = name; self.precision = precision; self.recall = recall; self.f1 = f1; self.support = support; self.rocAUC = rocAUC
            }
        }

        public var classes: [String]
        public var perClass: [ClassScores] = []
        /// `confusion[true][predicted]`.
        public var confusion: [[Int]] = []
        /// Each test image's class index and its probability per class, for the per-class ROC curves.
        public var labels: [Int] = []
        public var probabilities: [[Double]] = []
        public init(classes: [String]) { self.classes = classes }
    }

    public struct Epoch: Sendable {
        public var epoch: Int
        public var trainLoss, valLoss, trainAccuracy, valAccuracy, trainAUC, valAUC, learningRate, seconds: Double
        public init(epoch: Int, trainLoss: Double, valLoss: Double, trainAccuracy: Double, valAccuracy: Double,
                    trainAUC: Double, valAUC: Double, learningRate: Double, seconds: Double) {
            self.epoch = epoch
            self.trainLoss = trainLoss; self.valLoss = valLoss
            self.trainAccuracy = trainAccuracy; self.valAccuracy = valAccuracy
            self.trainAUC = trainAUC; self.valAUC = valAUC
            self.learningRate = learningRate; self.seconds = seconds
        }
    }

    /// The score fine-tune kept its best epoch by (`early_stopping.monitor`) and whether larger is better.
    public struct Monitor: Sendable {
        public var name: String
        public var maximizes: Bool
        public init(name: String, maximizes: Bool) { self.name = name; self.maximizes = maximizes }

        /// The monitored value of an epoch; nil for a name the history does not hold.
        public func value(in epoch: Epoch) -> Double? {
            switch name {
            case "val_loss": epoch.valLoss
            case "val_accuracy": epoch.valAccuracy
            case "val_auc": epoch.valAUC
            default: nil
            }
        }
    }

    /// One upstream stage's stored result, for the timeline and provenance.
    public struct StageRecord: Sendable {
        public var name, kind, key: String
        public var seconds: Double
        /// When the result was committed; it started `seconds` earlier.
        public var finished: Date
        /// The pipe version and build commit that made it; nil in records older than both.
        public var pipe, build: String?
        public init(name: String, kind: String, key: String, seconds: Double, finished: Date, pipe: String?, build: String?) {
            self.name = name; self.kind = kind; self.key = key; self.seconds = seconds; self.finished = finished; self.pipe = pipe; self.build = build
        }

        public var started: Date { finished.addingTimeInterval(-seconds) }
    }

    public struct Model: Sendable {
        public var name: String
        /// The fine-tune stage that trained the evaluated model; nil when its record did not reach the report.
        public var trainedBy: String?
        public var monitor: Monitor?
        public var history: [Epoch] = []
        /// Metric name to value, and its 95% interval when bootstrapped.
        public var metrics: [(name: String, value: Double, interval: ClosedRange<Double>?)] = []
        /// Binary decisions: the two classes (negative, positive), 1 = positive, and the positive class's probability.
        public var classes = ["benign", "malignant"]
        public var labels: [Int] = []
        public var probabilities: [Double] = []
        public var threshold = 0.5
        /// Set when the model has more than two classes; the binary fields above are then empty.
        public var multiclass: Multiclass?
        public var patientRate: (rate: Double, patients: Int)?
        /// Grad-CAM overlays: a caption and a PNG as base64.
        public var heatmaps: [(caption: String, pngBase64: String)] = []
        /// A line under the gallery, such as how many overlays evaluate wrote when fewer are shown.
        public var heatmapNote: String?
        public init(name: String) { self.name = name }

        /// The epoch the monitored score was best at, the first of equals, as fine-tune picks it; nil without
        /// a monitor or a finite score.
        public var bestEpoch: Int? {
            guard let monitor else { return nil }
            var best: (epoch: Int, value: Double)?
            for epoch in history {
                guard let value = monitor.value(in: epoch), value.isFinite else { continue }
                if best == nil || (monitor.maximizes ? value > best!.value : value < best!.value) { best = (epoch.epoch, value) }
            }
            return best?.epoch
        }
    }

    public var title: String
    public var data = DataSummary()
    public var models: [Model] = []
    /// Key-value lines: pipeline, file hash, pipe version and build, weights, seed.
    public var provenance: [(String, String)] = []
    /// Every upstream stage's record, in the order they started.
    public var stages: [StageRecord] = []
    /// The evaluation protocol in sentences: how the data was split, what was tested, how rates are counted.
    public var evaluationProtocol: [String] = []

    public init(title: String) { self.title = title }
}
