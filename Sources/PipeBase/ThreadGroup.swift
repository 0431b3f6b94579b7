import Foundation

/// `size` threads of one process acting as the ranks of a job, for tests: collectives really synchronise the
/// threads and copy bytes between them, as separate processes would exchange them.
public final class ThreadGroup: @unchecked Sendable {
    public let size: Int
    private let condition = NSCondition()
    private var deposited: [[UInt8]?]
    private var arrived = 0
    private var generation = 0
    private var published: [[UInt8]] = []
    private var failure: String?

    public init(size: Int) {
        precondition(size >= 1)
        self.size = size
        deposited = Array(repeating: nil, count: size)
    }

    /// Runs `body` on `size` threads, rank `r` with `communicator(rank: r)`, and returns their results in rank
    /// order, rethrowing the first error (by rank). A rank that throws marks the group failed, so ranks still
    /// waiting in a collective throw instead of hanging.
    public static func run<T>(ranks: Int, _ body: @escaping @Sendable (any Communicator) throws -> T) throws -> [T] {
        let group = ThreadGroup(size: ranks)
        let results = ResultSlots<T>(count: ranks)
        let done = DispatchSemaphore(value: 0)
        for rank in 0..<ranks {
            let thread = Thread {
                let outcome = Result { try body(group.communicator(rank: rank)) }
                if case .failure(let error) = outcome { group.fail("rank \(rank) failed: \(error)") }
                results.set(rank, outcome)
                done.signal()
            }
            thread.stackSize = 16 << 20
            thread.start()
        }
        for _ in 0..<ranks { done.wait() }
        let outcomes = results.values()
        // A rank's own error rather than the collective failure it caused in the others.
        for case .failure(let error) in outcomes where !(error is CommunicatorError) { throw error }
        return try outcomes.map { try $0.get() }
    }

    /// The communicator of `rank`.
    public func communicator(rank: Int) -> any Communicator { Rank(group: self, rank: rank) }

    func fail(_ reason: String) {
        condition.lock()
        if failure == nil { failure = reason }
        condition.broadcast()
        condition.unlock()
    }

    /// Deposits `bytes` for `rank` and returns every rank's deposit once all have arrived.
    func exchange(rank: Int, _ bytes: [UInt8]) throws -> [[UInt8]] {
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw CommunicatorError(failure) }
        deposited[rank] = bytes
        arrived += 1
        let mine = generation
        if arrived == size {
            published = deposited.map { $0! }
            deposited = Array(repeating: nil, count: size)
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == mine {
                if let failure { throw CommunicatorError(failure) }
                condition.wait()
            }
        }
        // `published` stays until the next exchange completes, which needs this rank's next deposit.
        return published
    }

    private final class Rank: Communicator, @unchecked Sendable {
        let group: ThreadGroup
        let rank: Int
        var size: Int { group.size }

        init(group: ThreadGroup, rank: Int) {
            self.group = group
            self.rank = rank
        }

        func allgather(_ block: UnsafeRawBufferPointer, into result: UnsafeMutableRawBufferPointer) throws {
            let all = try group.exchange(rank: rank, Array(block))
            guard result.count == block.count * size, all.allSatisfy({ $0.count == block.count }) else {
                throw CommunicatorError("allgather: blocks of different sizes")
            }
            for (p, bytes) in all.enumerated() {
                bytes.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: result[(p * block.count)...]).copyMemory(from: $0) }
            }
        }

        func alltoall(_ blocks: UnsafeRawBufferPointer, into result: UnsafeMutableRawBufferPointer) throws {
            let all = try group.exchange(rank: rank, Array(blocks))
            let width = blocks.count / size
            guard result.count == blocks.count, all.allSatisfy({ $0.count == blocks.count }) else {
                throw CommunicatorError("alltoall: blocks of different sizes")
            }
            for (p, bytes) in all.enumerated() {
                bytes.withUnsafeBytes { source in
                    UnsafeMutableRawBufferPointer(rebasing: result[(p * width)..<((p + 1) * width)])
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[(rank * width)..<((rank + 1) * width)]))
                }
            }
        }

        func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {
            let all = try group.exchange(rank: rank, Array(UnsafeRawBufferPointer(buffer)))
            guard all[root].count == buffer.count else { throw CommunicatorError("broadcast: buffers of different sizes") }
            all[root].withUnsafeBytes { buffer.copyMemory(from: $0) }
        }

        func barrier() throws { _ = try group.exchange(rank: rank, []) }

        func abort(code: Int32) -> Never {
            group.fail("rank \(rank) aborted with code \(code)")
            fatalError("rank \(rank) aborted with code \(code)")
        }
    }
}

/// One slot per rank, written by that rank's thread.
private final class ResultSlots<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<T, Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Result<T, Error>) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }

    func values() -> [Result<T, Error>] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { $0! }
    }
}
