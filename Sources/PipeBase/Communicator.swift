/// The processes ("ranks") of one data-parallel job and the collective operations between them.
///
/// Collectives move bytes only: every rank calls the same operations in the same order with blocks of the
/// same size, and any arithmetic on what arrives is the caller's, so its order is fixed (`OrderedReduction`).
public protocol Communicator: AnyObject, Sendable {
    /// This process's index, `0..<size`.
    var rank: Int { get }
    /// The number of ranks.
    var size: Int { get }
    /// Gathers every rank's `block` into `result`, rank `p`'s at byte offset `p * block.count`;
    /// `result.count == size * block.count`.
    func allgather(_ block: UnsafeRawBufferPointer, into result: UnsafeMutableRawBufferPointer) throws
    /// Sends block `q` of `blocks` (`size` equal blocks) to rank `q`; `result` receives rank `p`'s block for this
    /// rank at block `p`. Both hold `size` blocks of `blocks.count / size` bytes.
    func alltoall(_ blocks: UnsafeRawBufferPointer, into result: UnsafeMutableRawBufferPointer) throws
    /// Overwrites `buffer` on every rank with root's.
    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws
    /// Returns once every rank has called it.
    func barrier() throws
    /// Ends the whole job (every rank) with `code`, for an error some ranks cannot learn of.
    func abort(code: Int32) -> Never
}

/// A collective that could not complete.
public struct CommunicatorError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension Communicator {
    /// Whether this is rank 0, the rank that writes results.
    public var isLeader: Bool { rank == 0 }

    /// Every rank's `values` (all of the same count), concatenated in rank order.
    public func allgather<T: BitwiseCopyable>(_ values: [T]) throws -> [T] {
        var result = [T](unsafeUninitializedCapacity: values.count * size) { _, count in count = values.count * size }
        try values.withUnsafeBytes { block in
            try result.withUnsafeMutableBytes { try allgather(block, into: $0) }
        }
        return result
    }

    /// `alltoall` of `size` equal blocks of `T`.
    public func alltoall<T: BitwiseCopyable>(_ blocks: [T]) throws -> [T] {
        guard blocks.count % size == 0 else { throw CommunicatorError("alltoall: \(blocks.count) values do not split into \(size) blocks") }
        var result = [T](unsafeUninitializedCapacity: blocks.count) { _, count in count = blocks.count }
        try blocks.withUnsafeBytes { send in
            try result.withUnsafeMutableBytes { try alltoall(send, into: $0) }
        }
        return result
    }

    /// Root's `values` on every rank (every rank passes an array of the same count).
    public func broadcast<T: BitwiseCopyable>(_ values: [T], root: Int = 0) throws -> [T] {
        var result = values
        try result.withUnsafeMutableBytes { try broadcast($0, root: root) }
        return result
    }
}

/// The communicator of a job of one process: collectives copy.
public final class SingleProcess: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }

    public func allgather(_ block: UnsafeRawBufferPointer, into result: UnsafeMutableRawBufferPointer) throws {
        result.copyMemory(from: block)
    }

    public func alltoall(_ blocks: UnsafeRawBufferPointer, into result: UnsafeMutableRawBufferPointer) throws {
        result.copyMemory(from: blocks)
    }

    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {}
    public func barrier() throws {}
    public func abort(code: Int32) -> Never { fatalError("aborted with code \(code)") }
}
