import PipeBase
import XCTest

final class ParallelTests: XCTestCase {
    func testChunksCoverTheRangeOnceAndDependOnlyOnTheSize() {
        let ranges = Parallel.chunks(count: 10, grain: 3)
        XCTAssertEqual(ranges, [0..<3, 3..<6, 6..<8, 8..<10])
        XCTAssertEqual(Parallel.chunks(count: 1000, grain: 1).count, 64, "at most maxChunks")
        XCTAssertEqual(Parallel.chunks(count: 0, grain: 4), [])
    }

    func testForEachVisitsEveryIndexOnce() {
        let hits = ParallelResults<Int>(count: 257)
        Parallel.forEach(count: 257, grain: 10) { hits.set($0, $0 * 2) }
        XCTAssertEqual(hits.values, (0..<257).map { $0 * 2 })
    }

    func testMapKeepsIndexOrder() {
        XCTAssertEqual(Parallel.map(100) { $0 * $0 }, (0..<100).map { $0 * $0 })
        XCTAssertEqual(Parallel.map(0) { $0 }, [])
    }

    func testResultsCountEveryIncrement() {
        let results = ParallelResults<Bool>(count: 1)
        let seen = ParallelResults<Int>(count: 50)
        DispatchQueue.concurrentPerform(iterations: 50) { _ in results.increment { seen.set($0 - 1, $0) } }
        XCTAssertEqual(seen.values, (1...50).map { $0 }, "each count from 1 to 50 is reported exactly once")
    }
}
