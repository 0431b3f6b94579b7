/// The version of pipe, for provenance records and `pipe --version`.
public enum PipeVersion {
    public static let current = "0.1.0"
}
