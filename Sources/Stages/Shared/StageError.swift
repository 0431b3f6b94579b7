/// Errors of the stage kinds, each naming the stage or file and what to change.
public enum StageError: Error, CustomStringConvertible, Equatable {
    case misconfigured(stage: String, reason: String)
    case badInput(file: String, reason: String)
    case cannotWrite(String)
    case tooManyBadFiles(stage: String, bad: Int, total: Int, limit: Double, examples: [String])

    public var description: String {
        switch self {
        case .misconfigured(let stage, let reason): "stage `\(stage)`: \(reason)"
        case .badInput(let file, let reason): "\(file): \(reason)"
        case .cannotWrite(let path): "cannot write \(path); check free space and permissions"
        case .tooManyBadFiles(let stage, let bad, let total, let limit, let examples):
            "stage `\(stage)`: \(bad) of \(total) files are corrupt or unusable, more than max_bad_fraction \(limit) allows (e.g. \(examples.joined(separator: "; "))); fix the dataset or raise max_bad_fraction"
        }
    }
}
