import ArgumentParser
import Foundation
import PipeBase
import PipeEngine
import PipeSpec
import Stages

/// Runs one stage from a job ticket: what a Slurm job (or each MPI rank) started by `pipe run` executes.
struct StageJobCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stage-job",
        abstract: "Run one stage from a job ticket written by `pipe run` (used by its Slurm and MPI jobs).",
        shouldDisplay: false
    )

    @Argument(help: ArgumentHelp("The job's ticket.json.", valueName: "TICKET"))
    var ticket: String

    func run() throws {
        let ticket = try Terminal.orFail { try JobTicket.load(self.ticket) }
        let folder = JobFolder(ticket: self.ticket)
        let catalog = try Terminal.orFail { try SchemaCatalog.shipped() }
        let loaded = PipelineCheck.load(path: ticket.pipelineFile, overrides: ticket.overrides.compactMap { Override.parse($0).0 },
                                        catalog: catalog)
        for diagnostic in loaded.diagnostics { Terminal.error(diagnostic.description) }
        guard let spec = loaded.spec else {
            Terminal.error("pipe: \(ticket.pipelineFile) no longer loads; the stage `\(ticket.stage)` did not run")
            throw ExitCode.failure
        }
        var job = StageJob(ticket: ticket, folder: folder, spec: spec, kinds: StageCatalog.kinds)
        guard ticket.ranks > 1 else {
            let status = job.run()
            if status != 0 { throw ExitCode(status) }
            return
        }
        // One of several ranks (mpirun locally, srun under Slurm): rank 0 commits, the others only compute.
        let communicator = try Terminal.orFail { try MPICommunicator() }
        guard communicator.size == ticket.ranks else {
            Terminal.error("pipe: stage `\(ticket.stage)` asks for \(ticket.ranks) ranks but was started as \(communicator.size); start it with that many ranks")
            communicator.abort(code: 1)
        }
        job.isLeader = communicator.rank == 0
        job.followerName = "rank-\(communicator.rank)"
        let status = job.run { $0.communicator = communicator }
        // A rank that fails would leave the others waiting in their next exchange: end them all.
        if status != 0 { communicator.abort(code: status) }
        try? communicator.finalize()
    }

    /// This executable's absolute path, for the job command jobs run.
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }
}
