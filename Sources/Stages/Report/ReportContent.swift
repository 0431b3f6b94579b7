/// Everything the report page shows, gathered from the upstream stages' outputs.
public struct ReportContent: Sendable {
    public struct DataSummary: Sendable {
        /// Image counts per split and class.
        public var counts: [String: [String: Int]] = [:]
        /// Patient counts per split.
        public var patients: [String: Int] = [:]
        /// The leakage check: `nil` when patients are unknown.
        public var patientsShared: [String]?
        public var skippedFiles: [(path: String, reason: String)] = []
        public init() {}
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

    public struct Model: Sendable {
        public var name: String
        public var history: [Epoch] = []
        /// Metric name to value, and its 95% interval when bootstrapped.
        public var metrics: [(name: String, value: Double, interval: ClosedRange<Double>?)] = []
        public var labels: [Int] = []
        public var probabilities: [Double] = []
        public var threshold = 0.5
        public var patientRate: (rate: Double, patients: Int)?
        /// Grad-CAM overlays: a caption and a PNG as base64.
        public var heatmaps: [(caption: String, pngBase64: String)] = []
        public init(name: String) { self.name = name }
    }

    public var title: String
    public var data = DataSummary()
    public var models: [Model] = []
    /// Key-value lines: pipeline, file hash, stage keys, pipe version, weights, seed.
    public var provenance: [(String, String)] = []

    public init(title: String) { self.title = title }
}
