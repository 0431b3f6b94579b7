/// How large, deep and alias-expanded an input file may be, so a hostile or broken file gets an error
/// instead of exhausting the stack or memory.
public struct InputLimits: Sendable {
    /// The largest file read, in bytes.
    public var maxBytes: Int
    /// The deepest nesting of lists and mappings, counting the ones aliases bring in.
    public var maxDepth: Int
    /// The most values the document may hold once every alias is expanded (YAML "billion laughs").
    public var maxNodes: Int

    public init(maxBytes: Int = 16 << 20, maxDepth: Int = 256, maxNodes: Int = 1_000_000) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
    }

    public static let standard = InputLimits()
}
