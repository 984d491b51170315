import NumCore

/// The top-`k` bookkeeping of one block of users during a full-corpus ranking: each user's
/// exclusion list and one ``TopKAccumulator`` per user, fed row chunk by row chunk.
///
/// One block is one task on the worker pool; it owns its buffers, so blocks run in parallel.
/// The buffers are raw memory, so that the per-chunk ``offer(row:_:firstIndex:count:)`` in the
/// evaluation's inner loop costs no more than the accumulator's own scan.
final class BlockRanking {
    /// Number of users in the block.
    let rows: Int
    private let masks: UnsafeMutableBufferPointer<Int32>
    private let maskStarts: [Int]
    private let keys: UnsafeMutablePointer<UInt64>
    private let ranked: UnsafeMutablePointer<Int32>
    private let accumulators: UnsafeMutablePointer<TopKAccumulator>

    /// Empty selections of `k` items for `users`, each skipping `exclusion(user)` (sorted ascending).
    init(users: ArraySlice<Int>, k: Int, exclusion: (Int) -> [Int32]) {
        rows = users.count
        var all: [Int32] = []
        var starts = [0]
        for user in users {
            all += exclusion(user)
            starts.append(all.count)
        }
        masks = .allocate(capacity: max(all.count, 1))
        _ = masks.initialize(from: all)
        maskStarts = starts
        let keysPerRow = TopKAccumulator.bufferCapacity(k: k)
        keys = .allocate(capacity: max(rows * keysPerRow, 1))
        ranked = .allocate(capacity: max(k, 1))
        accumulators = .allocate(capacity: max(rows, 1))
        for r in 0..<rows { (accumulators + r).initialize(to: TopKAccumulator(k: k, buffer: keys + r * keysPerRow)) }
    }

    deinit {
        accumulators.deinitialize(count: rows)
        accumulators.deallocate()
        masks.deallocate()
        keys.deallocate()
        ranked.deallocate()
    }

    /// Offers `scores[0..<count]` as the scores of items `firstIndex..<firstIndex + count` for
    /// the block's `row`-th user; chunks of a row must come in increasing item order.
    @inline(__always)
    func offer(row: Int, _ scores: UnsafePointer<Float>, firstIndex: Int, count: Int) {
        let mask = UnsafeBufferPointer(start: masks.baseAddress! + maskStarts[row], count: maskStarts[row + 1] - maskStarts[row])
        accumulators[row].offer(scores, firstIndex: firstIndex, count: count, excluding: mask)
    }

    /// Finishes every row and calls `visit(row, ranked items best first)` in row order.
    func finish(_ visit: (Int, UnsafeBufferPointer<Int32>) -> Void) {
        for r in 0..<rows {
            let n = accumulators[r].finish(indices: ranked, scores: nil)
            visit(r, UnsafeBufferPointer(start: ranked, count: n))
        }
    }
}
