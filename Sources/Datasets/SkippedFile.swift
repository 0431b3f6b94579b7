/// A file an adapter left out, and why.
public struct SkippedFile: Sendable, Equatable {
    /// Path relative to the dataset root.
    public var path: String
    /// Why it was left out (corrupt, unparseable name, not an image, duplicate...).
    public var reason: String

    public init(path: String, reason: String) { self.path = path; self.reason = reason }
}
