import Foundation

/// Values written by parallel workers, one slot each, plus a shared counter for progress.
public final class ParallelResults<Value>: @unchecked Sendable {
    private let lock = NSLock()
    public private(set) var values: [Value?]
    private var count = 0

    public init(count: Int) { values = Array(repeating: nil, count: count) }

    public func set(_ index: Int, _ value: Value) {
        lock.lock()
        values[index] = value
        lock.unlock()
    }

    /// Adds one to the counter and calls `report` with the new count.
    public func increment(_ report: (Int) -> Void) {
        lock.lock()
        count += 1
        let now = count
        lock.unlock()
        report(now)
    }
}
