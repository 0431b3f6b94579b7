import ArgumentParser
import Foundation
import PipeBase

/// `pipe mpi-check`, hidden: run under `mpirun -np N`, checks that Open MPI loads and that the collectives
/// data-parallel training uses move the right bytes, and that the ordered gradient sum gives every rank the bits
/// one process gets; rank 0 prints one line.
struct MPICheck: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mpi-check", abstract: "Check Open MPI collectives and the ordered reduction (run under mpirun).",
                                                    shouldDisplay: false)

    @Option(help: "Floats per shard contribution in the timed reduction (0: none).")
    var floats = 0

    @Option(help: "Shards per rank.")
    var shardsPerRank = 2

    func run() throws {
        let communicator: MPICommunicator
        do { communicator = try MPICommunicator() } catch {
            Self.fail("\(error)")
        }
        defer { try? communicator.finalize() }
        var problems: [String] = []
        let (rank, size) = (communicator.rank, communicator.size)
        let gathered = try communicator.allgather([Int64(rank), Int64(rank * 10)])
        if gathered != (0..<size).flatMap({ [Int64($0), Int64($0 * 10)] }) { problems.append("allgather gave \(gathered)") }
        let exchanged = try communicator.alltoall((0..<size).map { Int32(rank * 100 + $0) })
        if exchanged != (0..<size).map({ Int32($0 * 100 + rank) }) { problems.append("alltoall gave \(exchanged)") }
        let broadcast = try communicator.broadcast([Double(rank) + 0.5], root: size - 1)
        if broadcast != [Double(size - 1) + 0.5] { problems.append("broadcast gave \(broadcast)") }
        try communicator.barrier()
        for (length, piece) in [(4, 0), (1001, 0), (1001, 100)] {
            if piece > 0 { MPICommunicator.setPieceBytes(piece) }
            if let problem = try checkReduction(communicator, length: length) { problems.append(problem + (piece > 0 ? " (\(piece)-byte pieces)" : "")) }
            MPICommunicator.setPieceBytes(Int(Int32.max))
        }
        var timing = ""
        if floats > 0 {
            var random = SeededRandom(seed: 5, UInt64(rank))
            let local = (0..<shardsPerRank).map { _ in (0..<floats).map { _ in random.nextUniform() - 0.5 } }
            try communicator.barrier()
            let started = Date()
            _ = try OrderedReduction.sum(local, over: communicator)
            let seconds = Date().timeIntervalSince(started)
            let slowest = try communicator.allgather([seconds]).max() ?? seconds
            timing = String(format: "; ordered reduction of %d x %d floats: %.3f s", size * shardsPerRank, floats, slowest)
        }
        let failures = try communicator.allgather([Int32(problems.count)])
        guard rank == 0 else {
            if !problems.isEmpty { Self.fail("rank \(rank): \(problems.joined(separator: "; "))") }
            return
        }
        if failures.contains(where: { $0 > 0 }) || !problems.isEmpty {
            Self.fail("failed on ranks \(failures.enumerated().filter { $0.element > 0 }.map(\.offset)): \(problems.joined(separator: "; "))")
        }
        print("mpi-check: \(size) ranks: allgather, alltoall, broadcast and the ordered reduction are bit-identical to one process\(timing)")
    }

    private static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("mpi-check: \(message)\n".utf8))
        Foundation.exit(1)
    }

    /// Every rank draws all shards' contributions (values where the order of additions matters), reduces its own
    /// over MPI and compares the bits with the one-process sequential sum.
    private func checkReduction(_ communicator: MPICommunicator, length: Int) throws -> String? {
        let shards = communicator.size * shardsPerRank
        var random = SeededRandom(seed: 11, UInt64(length))
        let all = (0..<shards).map { shard in
            (0..<length).map { i in Float(random.normal()) * (i % 3 == 0 ? 1e8 : 1) * (shard % 2 == 0 ? 1 : -1) + (i % 5 == 0 ? 1 : 0) }
        }
        let mine = Array(all[(communicator.rank * shardsPerRank)..<((communicator.rank + 1) * shardsPerRank)])
        let reduced = try OrderedReduction.sum(mine, over: communicator)
        let expected = OrderedReduction.sequential(all)
        guard reduced.map(\.bitPattern) == expected.map(\.bitPattern) else {
            let first = zip(reduced, expected).enumerated().first { $0.element.0.bitPattern != $0.element.1.bitPattern }?.offset ?? -1
            return "ordered reduction of \(length) floats differs at element \(first)"
        }
        return nil
    }
}
