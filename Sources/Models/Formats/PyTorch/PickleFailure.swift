/// A reason a pickle cannot be evaluated; `PickleMachine` adds the file, part and byte offset.
struct PickleFailure: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
