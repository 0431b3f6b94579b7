/// Errors from the engine, each naming the file or stage involved and what to do.
public enum EngineError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String)

    public var description: String {
        switch self {
        case .unreadable(let path): "cannot read \(path): check that it exists and is readable"
        }
    }
}
