import Dispatch

/// Runs independent work items on all cores with `DispatchQueue.concurrentPerform`.
public enum Parallel {
    /// `body(0) ..< body(count - 1)` computed concurrently, returned in index order.
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
