/// The `with` block of `augment`.
public struct AugmentParameters: StageParameterSet {
    /// Augmented copies written per training image.
    public var copies = 1
    public var ops: AugmentPlan

    public init(reading r: ParameterReader) throws {
        copies = try r.value("copies", default: copies)
        ops = try AugmentPlan(reading: r, key: "ops", required: true)
    }
}
