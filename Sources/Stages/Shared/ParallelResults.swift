import Foundation

/// Values written by parallel workers, one slot each, plus a shared counter.
final class ParallelResults<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [Value?]
    private var count = 0

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Value) {
        lock.lock()
        values[index] = value
        lock.unlock()
    }

    /// Adds one to the counter and calls `report` with the new count.
    func increment(_ report: (Int) -> Void) {
        lock.lock()
        count += 1
        let now = count
        lock.unlock()
        report(now)
    }
}
