import CMPI
import Foundation

/// The ranks of a job started by Open MPI's `mpirun`, over `MPI_COMM_WORLD`.
///
/// Open MPI's library is opened at run time, so pipe needs it only for jobs of more than one rank. Create one
/// communicator per process (`try MPICommunicator()`, which initialises MPI with `MPI_THREAD_SERIALIZED` unless
/// done already), call its collectives from one thread at a time (any thread), and `finalize()` before the process
/// exits.
public final class MPICommunicator: Communicator, @unchecked Sendable {
    public let rank: Int
    public let size: Int

    /// Loads Open MPI and initialises it; throws a message naming the missing library or symbol.
    public init() throws {
        var rank: Int32 = 0, size: Int32 = 0
        guard cmpi_init(&rank, &size) == 0 else { throw CommunicatorError(Self.lastError()) }
        self.rank = Int(rank)
        self.size = Int(size)
    }

    /// Whether this process was started by Open MPI's launcher (`mpirun`/`mpiexec`), from its environment.
    public static var launchedByMPI: Bool {
        ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"] != nil
    }

    /// The job's size according to the launcher's environment, before MPI is initialised; nil outside `mpirun`.
    public static var launchedSize: Int? { ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"].flatMap { Int($0) } }

    /// Checks that Open MPI's library can be opened, without initialising it; throws the reason otherwise.
    public static func checkAvailable() throws {
        guard cmpi_load() == 0 else { throw CommunicatorError(lastError()) }
    }

    /// Lowers the most bytes one MPI call moves per rank (tests: splitting of transfers above `Int32.max`).
    public static func setPieceBytes(_ bytes: Int) { cmpi_set_piece_bytes(bytes) }

    private static func lastError() -> String { String(cString: cmpi_error()) }

    private func check(_ code: Int32) throws {
        guard code == 0 else { throw CommunicatorError(Self.lastError()) }
    }

    public func allgather(_ block: UnsafeRawBufferPointer, into result: UnsafeMutableRawBufferPointer) throws {
        guard result.count == block.count * size else { throw CommunicatorError("allgather: result holds \(result.count) bytes, not \(block.count * size)") }
        guard let source = block.baseAddress, let target = result.baseAddress else { return }
        try check(cmpi_allgather(source, target, block.count))
    }

    public func alltoall(_ blocks: UnsafeRawBufferPointer, into result: UnsafeMutableRawBufferPointer) throws {
        guard result.count == blocks.count, blocks.count % size == 0 else { throw CommunicatorError("alltoall: \(blocks.count) bytes do not split into \(size) blocks") }
        guard let source = blocks.baseAddress, let target = result.baseAddress else { return }
        try check(cmpi_alltoall(source, target, blocks.count / size))
    }

    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {
        guard let base = buffer.baseAddress else { return }
        try check(cmpi_bcast(base, buffer.count, Int32(root)))
    }

    public func barrier() throws { try check(cmpi_barrier()) }

    public func abort(code: Int32) -> Never {
        cmpi_abort(code)
        fatalError("MPI_Abort returned")
    }

    /// Ends MPI in this process; call once, after the last collective.
    public func finalize() throws { try check(cmpi_finalize()) }
}
