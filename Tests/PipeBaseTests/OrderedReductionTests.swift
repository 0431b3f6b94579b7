import PipeBase
import XCTest

/// The ordered sum over shards and ranks, and the in-process thread ranks it is tested on.
final class OrderedReductionTests: XCTestCase {
    /// Shard contributions where float addition order matters: in Float, 1e8 + 1 is 1e8 and -1e8 + 1 is -1e8.
    static let contributions: [[Float]] = [[1e8, 3, -0.0, 1], [1, 1e-8, -0.0, 2], [-1e8, -3, -0.0, 3], [1, 7, -0.0, 4]]

    func testSequentialSumKeepsShardOrder() {
        let sum = OrderedReduction.sequential(Self.contributions)
        XCTAssertEqual(sum[0], ((1e8 + 1) - 1e8) + 1)
        XCTAssertEqual(sum[0], 1, "1e8 + 1 rounds back to 1e8 in Float")
        let pairwise: Float = (Self.contributions[0][0] + Self.contributions[1][0]) + (Self.contributions[2][0] + Self.contributions[3][0])
        let reversed: Float = ((Self.contributions[3][0] + Self.contributions[2][0]) + Self.contributions[1][0]) + Self.contributions[0][0]
        XCTAssertEqual(pairwise, 0, "two ranks' local sums (1e8 + 1) and (-1e8 + 1), then added")
        XCTAssertEqual(reversed, 0)
        XCTAssertNotEqual(sum[0], pairwise)
        XCTAssertEqual(sum[2].sign, .minus, "a sum of -0 stays -0, as it would without a reduction")
        XCTAssertEqual(sum[3], 10)
    }

    /// On 1, 2 and 4 ranks, each holding its shards' contributions, every rank gets the sequential sum's bits,
    /// including a vector length that does not split evenly into chunks.
    func testEveryRankCountGivesTheSequentialBits() throws {
        var random = SeededRandom(seed: 8)
        let wide = (0..<8).map { shard in (0..<11).map { _ in Float(random.normal()) * (shard % 3 == 0 ? 1e7 : 1) } }
        for contributions in [Self.contributions, Self.contributions + Self.contributions.reversed(), wide] {
            let expected = OrderedReduction.sequential(contributions).map(\.bitPattern)
            for ranks in [1, 2, 4] where contributions.count % ranks == 0 {
                let perRank = contributions.count / ranks
                let results = try ThreadGroup.run(ranks: ranks) { communicator in
                    let mine = Array(contributions[(communicator.rank * perRank)..<((communicator.rank + 1) * perRank)])
                    return try OrderedReduction.sum(mine, over: communicator).map(\.bitPattern)
                }
                for result in results { XCTAssertEqual(result, expected, "\(ranks) ranks") }
            }
        }
        // Pairs of halves summed locally first, then added: other bits, which the reduction avoids.
        let naive = zip(OrderedReduction.sequential(Array(wide[0..<4])), OrderedReduction.sequential(Array(wide[4..<8]))).map { $0 + $1 }
        XCTAssertNotEqual(naive.map(\.bitPattern), OrderedReduction.sequential(wide).map(\.bitPattern))
    }

    func testThreadRanksExchangeBlocks() throws {
        let results = try ThreadGroup.run(ranks: 3) { communicator -> [[Int32]] in
            let r = Int32(communicator.rank)
            let gathered = try communicator.allgather([r, r * 10])
            let exchanged = try communicator.alltoall([r * 100, r * 100 + 1, r * 100 + 2])
            let broadcast = try communicator.broadcast([r + 5], root: 2)
            try communicator.barrier()
            return [gathered, exchanged, broadcast]
        }
        for (rank, result) in results.enumerated() {
            let r = Int32(rank)
            XCTAssertEqual(result[0], [0, 0, 1, 10, 2, 20])
            XCTAssertEqual(result[1], [r, 100 + r, 200 + r], "rank q receives block q of every rank")
            XCTAssertEqual(result[2], [7])
        }
    }

    /// A rank that throws releases the others from their collective instead of leaving them waiting.
    func testAFailingRankDoesNotHangTheOthers() {
        struct Boom: Error {}
        XCTAssertThrowsError(try ThreadGroup.run(ranks: 2) { communicator in
            if communicator.rank == 1 { throw Boom() }
            try communicator.barrier()
        }) { error in XCTAssertTrue(error is Boom, "\(error)") }
    }
}
