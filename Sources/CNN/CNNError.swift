/// Errors raised by the CNN module, each phrased so the caller can see what to change.
public enum CNNError: Error, Equatable, CustomStringConvertible {
    /// A layer received a tensor whose shape it cannot use.
    case shapeMismatch(layer: String, expected: [Int], actual: [Int])
    /// A layer or kernel was configured with values it cannot run with.
    case invalidConfiguration(layer: String, reason: String)
    /// A graph was wired incorrectly (unknown node, no output, cycle).
    case invalidGraph(String)

    public var description: String {
        switch self {
        case let .shapeMismatch(layer, expected, actual):
            return "layer '\(layer)': expected input shape \(expected), got \(actual)"
        case let .invalidConfiguration(layer, reason):
            return "layer '\(layer)': \(reason)"
        case let .invalidGraph(reason):
            return "graph: \(reason)"
        }
    }
}
