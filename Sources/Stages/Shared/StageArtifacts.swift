import PipeEngine

/// The artifacts pipe's stage kinds hand each other; each kind's `consumes` and `produces` name them.
extension ArtifactKind {
    /// A dataset in its downloaded layout (`synthesize`); `ingest` reads it, as it reads any folder of files.
    public static let datasetFolder = ArtifactKind("dataset-folder", noun: "dataset folder", refines: [.files])
    /// `manifest.csv`: one row per image with its path, hash, label and patient (`ingest`, `balance`).
    public static let datasetManifest = ArtifactKind("dataset-manifest", noun: "dataset manifest")
    /// A dataset manifest whose rows are assigned to train, val and test (`split`, `augment`).
    public static let splitManifest = ArtifactKind("split-manifest", noun: "split manifest", refines: [.datasetManifest])
    /// A backbone checkpoint, `model.json` and `model.safetensors` (`import-weights`).
    public static let modelCheckpoint = ArtifactKind("model-checkpoint", noun: "model checkpoint")
    /// A checkpoint plus its trained head and class list, a complete classifier (`fine-tune`).
    public static let trainedClassifier = ArtifactKind("trained-classifier", noun: "trained classifier", refines: [.modelCheckpoint])
    /// Predictions and metrics of a classifier on a split, with the records the report shows (`evaluate`).
    public static let evaluation = ArtifactKind("evaluation", noun: "evaluation")
    /// An HTML report with its JSON summary (`report`).
    public static let report = ArtifactKind("report", noun: "report")
}
