/// Sums float vectors contributed by the micro-batches ("shards") of every rank in one fixed order, so the
/// result has the same bits whatever the number of ranks.
///
/// Each rank holds `L` contributions, those of global shards `rank * L ..< (rank + 1) * L`. Element `i` of the
/// result is `((c_0[i] + c_1[i]) + c_2[i]) + ...` over all `size * L` shards in shard order: exactly what one
/// process summing all shards one after the other computes. Over several ranks it is an ordered
/// reduce-scatter: the vector is cut into `size` chunks, rank `q` receives every shard's chunk `q` (one
/// alltoall), sums them in shard order, and an allgather returns the summed chunks to every rank.
/// The communicator only moves bytes; all additions happen here.
public enum OrderedReduction {
    /// The sum in shard order of `local` (this rank's contributions, in its shards' order; every rank has as
    /// many, all of one length) and those of the other ranks.
    public static func sum(_ local: [[Float]], over communicator: any Communicator) throws -> [Float] {
        guard let first = local.first else { throw CommunicatorError("ordered reduction: no contributions") }
        let count = first.count
        guard local.allSatisfy({ $0.count == count }) else {
            throw CommunicatorError("ordered reduction: contributions of different lengths")
        }
        let ranks = communicator.size
        if ranks == 1 { return sequential(local) }
        let chunk = (count + ranks - 1) / ranks
        // Send buffer: for each owner q, this rank's contributions' chunk q, one after the other (zero-padded).
        var send = [Float](repeating: 0, count: ranks * local.count * chunk)
        for q in 0..<ranks {
            let range = min(q * chunk, count)..<min((q + 1) * chunk, count)
            for (l, contribution) in local.enumerated() where !range.isEmpty {
                let offset = (q * local.count + l) * chunk
                send.replaceSubrange(offset..<(offset + range.count), with: contribution[range])
            }
        }
        // From each rank p: its L shards' chunks of the part this rank owns, ranks in order: global shard order.
        let received = try communicator.alltoall(send)
        let owned = received.withUnsafeBufferPointer { buffer in
            sequential((0..<(ranks * local.count)).map { UnsafeBufferPointer(rebasing: buffer[($0 * chunk)..<(($0 + 1) * chunk)]) })
        }
        let gathered = try communicator.allgather(owned)
        return Array(gathered.prefix(count))
    }

    /// `((v_0 + v_1) + v_2) + ...` element by element, starting from `v_0` itself (not from zero, which would
    /// turn a -0 into +0).
    public static func sequential(_ vectors: [[Float]]) -> [Float] {
        func nest(_ index: Int, _ buffers: [UnsafeBufferPointer<Float>]) -> [Float] {
            guard index < vectors.count else { return sequential(buffers) }
            return vectors[index].withUnsafeBufferPointer { nest(index + 1, buffers + [$0]) }
        }
        return nest(0, [])
    }

    /// `sequential` over buffers of equal length.
    public static func sequential(_ vectors: [UnsafeBufferPointer<Float>]) -> [Float] {
        guard let first = vectors.first else { return [] }
        var sum = Array(first)
        let count = sum.count
        guard count > 0 else { return sum }
        sum.withUnsafeMutableBufferPointer { total in
            let target = total.baseAddress!
            for vector in vectors.dropFirst() {
                guard let source = vector.baseAddress else { continue }
                for i in 0..<count { target[i] += source[i] }
            }
        }
        return sum
    }
}
