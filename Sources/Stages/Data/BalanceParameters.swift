/// The `with` block of `balance`.
public struct BalanceParameters: StageParameterSet {
    public enum Strategy: String, ParameterChoice { case undersample, oversample, classWeights = "class-weights" }

    public var strategy = Strategy.undersample
    /// The manifest column whose values are evened out.
    public var by = "label"
    /// `undersample`: rows kept per class; unset: the smallest class's count.
    public var perClass: Int?

    public init(reading r: ParameterReader) throws {
        strategy = try r.required("strategy")
        by = try r.value("by", default: by)
        perClass = try r.optional("per_class")
    }
}
