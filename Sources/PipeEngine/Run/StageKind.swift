import Foundation
import PipeSpec

/// A kind of stage (`command`, `split`, `fine-tune`, ...) as the engine sees it: what it reads and how to run it.
public protocol StageKind: Sendable {
    /// The `kind:` name in pipeline files.
    var name: String { get }
    /// Bumped whenever the kind's behaviour changes, so results of older versions are recomputed.
    var version: Int { get }
    /// Checks what the schema cannot and names what the stage reads outside the store.
    func plan(_ stage: StageSpec, pipeline: PipelineContext) throws -> StagePlan
    /// What the stage reads from the outputs of its `needs`; `pipe validate` checks that they produce it.
    func consumes(_ stage: StageSpec) -> [ArtifactNeed]
    /// What its output holds, for the stages that read it.
    var produces: ArtifactKind { get }
    /// Produces the stage's result in `context.output`; throws to fail the stage.
    func run(_ stage: StageSpec, plan: StagePlan, context: StageContext) throws
    /// What a stage of this kind asks of a cluster node where its `resources` say nothing.
    var defaultResources: StageResources { get }
    /// The most ranks (processes sharing the work) a stage of this kind can use.
    var maxRanks: Int { get }
    /// For `pipe run --dry-run`: how long the stage would take, from the outputs of those `needs` already stored
    /// (by stage name) and what earlier runs measured; nil when the kind says nothing.
    func estimate(_ stage: StageSpec, upstream: [String: URL], pipeline: PipelineContext) -> String?
}

extension StageKind {
    /// By default a stage reads nothing typed from its `needs` (it may still list their folders).
    public func consumes(_ stage: StageSpec) -> [ArtifactNeed] { [] }

    /// By default an output is a folder of files with no declared structure.
    public var produces: ArtifactKind { .files }

    /// By default an hour, and the cores its plan books.
    public var defaultResources: StageResources { StageResources(time: "1:00:00") }

    /// By default a stage is one process.
    public var maxRanks: Int { 1 }

    /// By default no estimate.
    public func estimate(_ stage: StageSpec, upstream: [String: URL], pipeline: PipelineContext) -> String? { nil }

    /// By default a stage reads only its upstream outputs and uses one core.
    public func plan(_ stage: StageSpec, pipeline: PipelineContext) throws -> StagePlan { StagePlan() }
}
