/// The pipeline-wide `slurm:` block: where jobs go and how multi-rank stages start.
public struct SlurmSettings: Sendable, Equatable, Codable {
    /// The partition of stages that name none (`sbatch --partition`); the cluster's default when nil.
    public var partition: String?
    /// The account to charge (`sbatch --account`).
    public var account: String?
    /// More `sbatch` options, each one argument, e.g. `--qos=long`.
    public var options: [String]
    /// The `srun --mpi` plugin that starts the ranks of a multi-rank stage.
    public var mpi: String

    public init(partition: String? = nil, account: String? = nil, options: [String] = [], mpi: String = "pmix") {
        self.partition = partition
        self.account = account
        self.options = options
        self.mpi = mpi
    }

    /// Reads a schema-checked `slurm` object.
    public init(json: JSONValue?) {
        let object = json?.objectValue ?? [:]
        self.init(partition: object["partition"]?.stringValue, account: object["account"]?.stringValue,
                  options: object["options"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                  mpi: object["mpi"]?.stringValue ?? "pmix")
    }
}
