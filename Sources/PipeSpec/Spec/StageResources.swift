/// What a stage asks of the machine that runs it (`resources:` in a pipeline file).
///
/// Executors read it; it is never part of a stage's key, so moving a stage to a bigger node or to more
/// ranks reuses its stored result. Unset fields take the stage kind's defaults.
public struct StageResources: Sendable, Equatable, Codable {
    /// Cores per rank.
    public var cores: Int?
    /// Memory per node in Slurm's notation (`16G`, `500M`).
    public var memory: String?
    /// Wall-clock limit in Slurm's notation (`90`, `2:00:00`, `1-12:00:00`).
    public var time: String?
    public var partition: String?
    public var nodes: Int?
    /// Processes that share the stage's work (MPI ranks); only kinds that support it accept more than one.
    public var ranks: Int?

    public init(cores: Int? = nil, memory: String? = nil, time: String? = nil, partition: String? = nil,
                nodes: Int? = nil, ranks: Int? = nil) {
        self.cores = cores
        self.memory = memory
        self.time = time
        self.partition = partition
        self.nodes = nodes
        self.ranks = ranks
    }

    /// Reads a schema-checked `resources` object; nil or anything else gives no requests.
    public init(json: JSONValue?) {
        let object = json?.objectValue ?? [:]
        self.init(cores: object["cores"]?.intValue, memory: object["memory"]?.stringValue, time: object["time"]?.stringValue,
                  partition: object["partition"]?.stringValue, nodes: object["nodes"]?.intValue, ranks: object["ranks"]?.intValue)
    }

    /// These requests, with `defaults` filling the unset ones.
    public func filled(from defaults: StageResources) -> StageResources {
        StageResources(cores: cores ?? defaults.cores, memory: memory ?? defaults.memory, time: time ?? defaults.time,
                       partition: partition ?? defaults.partition, nodes: nodes ?? defaults.nodes, ranks: ranks ?? defaults.ranks)
    }
}
