import Datasets

/// The `with` block of `ingest`.
public struct IngestParameters: StageParameterSet {
    public enum Dataset: String, ParameterChoice { case breakhis, cbisDDSM = "cbis-ddsm", imageFolder = "image-folder" }

    public var dataset = Dataset.breakhis
    /// The dataset folder; unset: the output of the one stage in `needs`.
    public var root: String?
    /// BreakHis only.
    public var magnifications = [40, 100, 200, 400]
    public var target = BreakHisAdapter.Target.binary
    public var dropDuplicatePatient = false
    public var abnormality = CBISDDSMAdapter.Abnormality.both
    public var images = CBISDDSMAdapter.Images.roi
    public var maxBadFraction = 0.01

    public init(reading r: ParameterReader) throws {
        dataset = try r.required("dataset")
        root = try r.optional("root")
        magnifications = try r.value("magnifications", default: magnifications)
        target = try r.value("target", default: target)
        dropDuplicatePatient = try r.value("drop_duplicate_patient", default: dropDuplicatePatient)
        abnormality = try r.value("abnormality", default: abnormality)
        images = try r.value("images", default: images)
        maxBadFraction = try r.value("max_bad_fraction", default: maxBadFraction)
    }
}

extension BreakHisAdapter.Target: ParameterChoice {}
extension CBISDDSMAdapter.Abnormality: ParameterChoice {}
extension CBISDDSMAdapter.Images: ParameterChoice {}
