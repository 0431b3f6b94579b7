/// What a stage's output folder holds, as stages hand it on: a split manifest, a trained classifier, ...
///
/// The engine treats kinds as opaque names: the stage kinds define the concrete ones and declare which they
/// consume and produce (`StageKind.consumes`, `StageKind.produces`), and the engine checks every `needs` edge
/// against them and hands each stage its inputs by kind (`StageContext.input(_:)`).
public struct ArtifactKind: Hashable, Sendable, CustomStringConvertible {
    /// A short identifier, e.g. `split-manifest`.
    public let name: String
    /// How messages name it, e.g. `split manifest`.
    public let noun: String
    /// The kinds this one can stand in for: a split manifest is a dataset manifest too.
    public let refines: [ArtifactKind]

    public init(_ name: String, noun: String, refines: [ArtifactKind] = []) {
        self.name = name
        self.noun = noun
        self.refines = refines
    }

    /// Files with no declared structure (a `command` stage's `outs`): what a kind produces unless it says otherwise.
    public static let files = ArtifactKind("files", noun: "folder of files")

    /// Whether an output of this kind gives a stage that reads `wanted` what it needs.
    public func provides(_ wanted: ArtifactKind) -> Bool {
        self == wanted || refines.contains { $0.provides(wanted) }
    }

    /// The noun with its article: `a split manifest`, `an evaluation`.
    public var phrase: String { ("aeiou".contains(noun.prefix(1)) ? "an " : "a ") + noun }

    public var description: String { name }

    public static func == (a: ArtifactKind, b: ArtifactKind) -> Bool { a.name == b.name }

    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}
