import Foundation

/// A committed result in the store: its meta record and where its output folder is.
public struct StoredResult: Sendable, Equatable {
    public var meta: ArtifactMeta
    public var output: URL
}
