import Foundation

/// The record stored beside each committed output: its key, what the key was made of, and the output hash.
public struct ArtifactMeta: Codable, Equatable, Sendable {
    public var key: String
    public var outputHash: String
    public var stage: String
    public var pipeline: String
    public var parts: KeyParts
    public var seconds: Double
    public var created: Date
    /// The cache shelves (`CacheShelf`) the stage read or filled; gc keeps them while this result is kept.
    public var shelves: [String]?
    /// The pipe version and the git commit of the build that made the result; nil in records older than both.
    public var pipe: String?
    public var build: String?
}
