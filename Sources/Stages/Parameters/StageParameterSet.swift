import PipeEngine
import PipeSpec

/// The typed `with` block of one stage kind: its fields carry the defaults, and nothing else in pipe
/// repeats them.
public protocol StageParameterSet: Sendable {
    /// Reads every parameter of the kind, each exactly once, whatever the values.
    init(reading reader: ParameterReader) throws
}

extension StageParameterSet {
    /// The parameters of `stage`.
    public init(_ stage: StageSpec) throws {
        try self.init(reading: ParameterReader(stage))
    }
}

/// A stage kind whose `with` block is decoded at plan time into its `Parameters` type; the cache key is
/// made of the decoded parameters with their defaults, not of the text.
public protocol TypedStageKind: StageKind {
    associatedtype Parameters: StageParameterSet
    /// What the stage reads outside the store and how many cores it keeps busy; one core and no external
    /// inputs unless a kind says otherwise.
    func plan(_ stage: StageSpec, parameters: Parameters, pipeline: PipelineContext) throws -> StagePlan
    func run(_ stage: StageSpec, parameters: Parameters, plan: StagePlan, context: StageContext) throws
}

extension TypedStageKind {
    public func plan(_ stage: StageSpec, parameters: Parameters, pipeline: PipelineContext) throws -> StagePlan {
        StagePlan()
    }

    public func plan(_ stage: StageSpec, pipeline: PipelineContext) throws -> StagePlan {
        let reader = ParameterReader(stage)
        var plan = try plan(stage, parameters: Parameters(reading: reader), pipeline: pipeline)
        plan.parameters = reader.resolved
        return plan
    }

    public func run(_ stage: StageSpec, plan: StagePlan, context: StageContext) throws {
        try run(stage, parameters: Parameters(stage), plan: plan, context: context)
    }
}
