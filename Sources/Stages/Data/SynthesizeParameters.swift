import Datasets

/// The `with` block of `synthesize`.
public struct SynthesizeParameters: StageParameterSet {
    public enum Dataset: String, ParameterChoice { case breakhis, cbisDDSM = "cbis-ddsm" }

    public var dataset = Dataset.breakhis
    public var patients = 20
    public var imagesPerPatient = 10
    /// BreakHis only.
    public var magnifications = [40, 100, 200, 400]
    /// Unset: the data set's typical size (BreakHis 700×460, CBIS-DDSM 320×512).
    public var width: Int?
    public var height: Int?
    /// How separable the classes are (BreakHis only); `easy` is the original generator.
    public var difficulty = SyntheticDifficulty.easy

    /// The defaults for `dataset`, as `pipe synth` starts from.
    public init(dataset: Dataset) {
        self.dataset = dataset
    }

    /// `width` × `height`, or the data set's typical size where unset.
    public var size: (width: Int, height: Int) {
        let typical = dataset == .breakhis ? (700, 460) : (320, 512)
        return (width ?? typical.0, height ?? typical.1)
    }

    public init(reading r: ParameterReader) throws {
        dataset = try r.required("dataset")
        patients = try r.value("patients", default: patients)
        imagesPerPatient = try r.value("images_per_patient", default: imagesPerPatient)
        magnifications = try r.value("magnifications", default: magnifications)
        width = try r.optional("width")
        height = try r.optional("height")
        difficulty = try r.value("difficulty", default: difficulty)
    }
}

extension SyntheticDifficulty: ParameterChoice {}
