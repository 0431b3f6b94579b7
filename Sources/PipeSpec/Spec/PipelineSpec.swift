/// A validated pipeline file: its settings and its stages, expanded and resolved.
public struct PipelineSpec: Sendable {
    public var name: String
    public var description: String?
    /// The seed every random choice in the run derives from.
    public var seed: Int
    public var params: JSONValue
    /// Stages in a dependency order: every stage comes after all that it needs.
    public var stages: [StageSpec]
    /// The executor of stages that name none (`executor:`); `pipe run --executor` overrides it.
    public var executor: Executor?
    public var slurm = SlurmSettings()
    /// The file as loaded, kept so later checks can point at lines.
    public var document: SourceDocument

    public func stage(named name: String) -> StageSpec? { stages.first { $0.name == name } }
}
