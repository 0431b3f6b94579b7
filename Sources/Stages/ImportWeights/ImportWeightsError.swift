/// What can go wrong getting weights, each saying what to do.
public enum ImportWeightsError: Error, CustomStringConvertible, Equatable {
    case server(url: String, status: Int)
    case interrupted(url: String, received: Int64, expected: Int64?, reason: String)
    case digestMismatch(file: String, expected: String, found: String, deleted: Bool)
    case cannotWrite(String)
    case cannotRead(String)

    public var description: String {
        switch self {
        case .server(let url, let status):
            "the server answered HTTP \(status) for \(url); try again later, or download the file yourself and use `source: file`"
        case .interrupted(let url, let received, let expected, let reason):
            "the download of \(url) stopped after \(received)\(expected.map { " of \($0)" } ?? "") bytes (\(reason)); run again to resume it"
        case .digestMismatch(let file, let expected, let found, let deleted):
            "\(file) has digest \(found), not the expected \(expected)" + (deleted
                ? "; the download was deleted; run again, and if it repeats the file on the server changed"
                : "; delete it (it may be incomplete or another file) and run again")
        case .cannotWrite(let path): "cannot write \(path); check the folder's permissions and free space"
        case .cannotRead(let path): "cannot read \(path)"
        }
    }
}
