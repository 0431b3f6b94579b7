/// The `with` block of `report`.
public struct ReportParameters: StageParameterSet {
    /// Unset: "<pipeline name>: results".
    public var title: String?
    /// Grad-CAM images shown per model.
    public var gradcamImages = 8

    public init(reading r: ParameterReader) throws {
        title = try r.optional("title")
        gradcamImages = try r.value("gradcam_images", default: gradcamImages)
    }
}
