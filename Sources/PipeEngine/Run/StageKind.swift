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
    /// Produces the stage's result in `context.output`; throws to fail the stage.
    func run(_ stage: StageSpec, plan: StagePlan, context: StageContext) throws
}

extension StageKind {
    /// By default a stage reads only its upstream outputs and uses one core.
    public func plan(_ stage: StageSpec, pipeline: PipelineContext) throws -> StagePlan { StagePlan() }
}
