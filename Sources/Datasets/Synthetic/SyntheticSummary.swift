import Foundation

/// What a synthetic generator wrote.
public struct SyntheticSummary: Sendable, Equatable {
    /// The dataset folder (give it to the adapter).
    public var root: URL
    /// Every file written, relative to `root`, sorted.
    public var files: [String]
    /// Number of images (crops and masks not counted).
    public var images: Int
}
