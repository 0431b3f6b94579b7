import Foundation

/// The output of one stage in `needs`, as a stage reading it receives it: whose, where, and of which kind.
public struct UpstreamArtifact: Sendable, Equatable {
    /// The upstream stage's (expanded) name.
    public var stage: String
    /// Its output folder.
    public var folder: URL
    public var kind: ArtifactKind

    public init(stage: String, folder: URL, kind: ArtifactKind) {
        self.stage = stage
        self.folder = folder
        self.kind = kind
    }
}
