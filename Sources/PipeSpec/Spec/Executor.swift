/// Where a stage runs: in the `pipe run` process (`local`) or as a Slurm batch job (`slurm`).
public enum Executor: String, Sendable, Codable, CaseIterable {
    case local, slurm
}
