import PipeSpec

/// Where one stage of a run goes: its executor and rank count, from the stage, the run and the file.
///
/// A stage that says `executor: local` stays local (small stages need no queue); otherwise `--executor`
/// beats the stage's and the file's choice. A stage with several ranks runs as a job even locally
/// (`mpirun`), since its ranks are separate processes.
struct JobPlacement: Equatable {
    var executor: Executor
    var ranks: Int

    init(stage: StageSpec, spec: PipelineSpec, override: Executor?) {
        if stage.executor == .local {
            executor = .local
        } else {
            executor = override ?? stage.executor ?? spec.executor ?? .local
        }
        ranks = max(1, stage.resources.ranks ?? 1)
    }

    /// Whether the stage runs in a process of its own (`pipe stage-job`) rather than on a thread of the run.
    var runsAsJob: Bool { executor == .slurm || ranks > 1 }
}
