/// Whether a stage's stored result is current, as `pipe status` reports it.
public enum Freshness: Equatable, Sendable {
    /// A result for its current key is stored.
    case upToDate
    /// This pipeline has no earlier result of the stage at all.
    case neverRun
    /// An earlier result exists but no longer fits; the reasons say what changed.
    case stale(reasons: [String])

    /// `up-to-date`, `never-run` or `stale`.
    public var label: String {
        switch self {
        case .upToDate: "up-to-date"
        case .neverRun: "never-run"
        case .stale: "stale"
        }
    }

    /// What changed, for a stale stage; empty otherwise.
    public var reasons: [String] {
        if case .stale(let reasons) = self { return reasons }
        return []
    }

    /// Why the stage runs, as `pipe run` prints it: `never run`, or what changed.
    public var runReasons: [String] { self == .neverRun ? ["never run"] : reasons }
}
