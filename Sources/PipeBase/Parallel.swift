import Dispatch

/// Parallel loops over index ranges, on all cores with `DispatchQueue.concurrentPerform`.
///
/// `chunks` and `forEachChunk` split work at boundaries that depend only on the problem size, never on the
/// number of cores, so reductions that sum per-chunk partials in chunk order give identical results on any
/// machine load, which keeps seeded training repeatable.
public enum Parallel {
    /// The chunk ranges covering `0..<count`, each about `grain` long, at most `maxChunks` of them.
    public static func chunks(count: Int, grain: Int, maxChunks: Int = 64) -> [Range<Int>] {
        guard count > 0 else { return [] }
        let chunkCount = min(max(1, (count + grain - 1) / max(grain, 1)), maxChunks)
        let base = count / chunkCount, extra = count % chunkCount
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(chunkCount)
        var start = 0
        for index in 0..<chunkCount {
            let length = base + (index < extra ? 1 : 0)
            ranges.append(start..<(start + length))
            start += length
        }
        return ranges
    }

    /// Runs `body` once per chunk of `0..<count`, concurrently when there is more than one chunk.
    ///
    /// `body` receives the chunk index and its range; chunks must write disjoint memory.
    public static func forEachChunk(count: Int, grain: Int, maxChunks: Int = 64,
                                    _ body: (Int, Range<Int>) -> Void) {
        let ranges = chunks(count: count, grain: grain, maxChunks: maxChunks)
        if ranges.count == 1 {
            body(0, ranges[0])
        } else if ranges.count > 1 {
            // Chunks touch disjoint memory by contract, so handing `body` to worker threads is safe.
            withoutActuallyEscaping(body) { escaping in
                nonisolated(unsafe) let shared = escaping
                DispatchQueue.concurrentPerform(iterations: ranges.count) { shared($0, ranges[$0]) }
            }
        }
    }

    /// Runs `body(i)` for every `i` in `0..<count`, grouped into chunks of about `grain` items.
    public static func forEach(count: Int, grain: Int, _ body: (Int) -> Void) {
        forEachChunk(count: count, grain: grain) { _, range in
            for index in range { body(index) }
        }
    }

    /// `body(0) ..< body(count - 1)` computed concurrently, one item per task, returned in index order.
    public static func map<T: Sendable>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        let slots = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
        slots.initialize(repeating: nil)
        defer { slots.deinitialize(); slots.deallocate() }
        nonisolated(unsafe) let shared = slots
        // Each index writes only its own slot, so the unsynchronised writes never overlap.
        DispatchQueue.concurrentPerform(iterations: count) { i in shared[i] = body(i) }
        return slots.map { $0! }
    }
}
