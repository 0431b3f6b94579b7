/// One artifact a stage reads from its `needs`: its kind, and whether exactly one upstream stage must
/// produce it or one or more may.
public struct ArtifactNeed: Sendable, Equatable {
    public enum Count: Sendable, Equatable {
        case one, oneOrMore
    }

    public var kind: ArtifactKind
    public var count: Count

    public init(_ kind: ArtifactKind, count: Count = .one) {
        self.kind = kind
        self.count = count
    }

    /// Exactly one stage in `needs` must produce `kind`.
    public static func one(_ kind: ArtifactKind) -> ArtifactNeed { ArtifactNeed(kind) }

    /// At least one stage in `needs` must produce `kind`; the stage reads them all.
    public static func oneOrMore(_ kind: ArtifactKind) -> ArtifactNeed { ArtifactNeed(kind, count: .oneOrMore) }
}
