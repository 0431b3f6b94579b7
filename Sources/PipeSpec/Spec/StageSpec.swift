/// One stage after interpolation and matrix expansion: what the engine schedules.
public struct StageSpec: Sendable, Equatable {
    /// The unique name; for a matrix expansion, `declaredName@value-value`.
    public var name: String
    /// The name the stage has in the file.
    public var declaredName: String
    public var kind: String
    /// Names of the expanded stages whose outputs this stage reads.
    public var needs: [String]
    /// The kind's parameters with every `${...}` resolved.
    public var with: JSONValue
    /// This expansion's value for each matrix axis; empty for a stage without `matrix`.
    public var matrixValues: [String: JSONValue]
    public var description: String?
    /// Where this stage runs when it says; otherwise the run's executor decides.
    public var executor: Executor?
    /// What it asks of the machine; not part of its key.
    public var resources: StageResources

    public init(name: String, declaredName: String, kind: String, needs: [String] = [], with: JSONValue = .object([:]),
                matrixValues: [String: JSONValue] = [:], description: String? = nil, executor: Executor? = nil,
                resources: StageResources = StageResources()) {
        self.name = name
        self.declaredName = declaredName
        self.kind = kind
        self.needs = needs
        self.with = with
        self.matrixValues = matrixValues
        self.description = description
        self.executor = executor
        self.resources = resources
    }
}
