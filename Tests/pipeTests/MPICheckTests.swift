import Foundation
import XCTest

/// Open MPI for real: `pipe mpi-check` under `mpirun -np 2` (collectives and the ordered gradient sum across two
/// processes), and the message when the library is missing or is not Open MPI.
final class MPICheckTests: XCTestCase {
    static let rootEnvironment = ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"]

    /// `mpirun` on the PATH, or nil.
    static var mpirun: String? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/mpirun" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func testTwoRanksOverOpenMPIGiveOneProcessesBits() throws {
        guard let mpirun = Self.mpirun else {
            let reason = "SKIPPED: no `mpirun` on the PATH, so the real-MPI check of data-parallel training did not run (Debian: apt-get install openmpi-bin libopenmpi3)"
            print(String(repeating: "!", count: 20) + " " + reason)
            throw XCTSkip(reason)
        }
        let output = try ChildProcess.run(mpirun, ["-np", "2", "--oversubscribe", PipeBinary.path, "mpi-check"],
                                          environment: ProcessInfo.processInfo.environment.merging(Self.rootEnvironment) { $1 })
        let stdout = output.stdout, stderr = output.stderr
        XCTAssertEqual(output.status, 0, stderr)
        XCTAssertEqual(stdout, "mpi-check: 2 ranks: allgather, alltoall, broadcast and the ordered reduction are bit-identical to one process\n", stderr)
    }

    func testAMissingOrForeignLibraryIsNamed() throws {
        let missing = try PipeBinary.run(["mpi-check"], environment: ["PIPE_LIBMPI": "/nonexistent/libmpi.so.40"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.hasPrefix("mpi-check: ranks > 1 needs Open MPI's libmpi.so.40 (Debian: openmpi-bin libopenmpi3); pipe found none: /nonexistent/libmpi.so.40"),
                      missing.stderr)
        // A library without Open MPI's symbols (here the C library) is refused by name, not crashed into.
        let foreign = try PipeBinary.run(["mpi-check"], environment: ["PIPE_LIBMPI": "libc.so.6"])
        XCTAssertEqual(foreign.status, 1)
        XCTAssertTrue(foreign.stderr.contains("pipe found a libmpi without `MPI_Init_thread`"), foreign.stderr)
    }
}
