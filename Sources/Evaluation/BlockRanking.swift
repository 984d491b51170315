import NumCore

/// The top-`k` bookkeeping of one block of users during a full-corpus ranking: each user's
/// exclusion list and one ``TopKAccumulator`` per user, fed row chunk by row chunk.
///
/// One block is one task on the worker pool; it owns its buffers, so blocks run in parallel.
final class BlockRanking {
    /// Number of users in the block.
    let rows: Int
    private let k: Int
    private var masks: [Int32] = []
    private var maskStarts: [Int] = [0]
    private let keys: UnsafeMutablePointer<UInt64>
    private let ranked: UnsafeMutablePointer<Int32>
    private var accumulators: [TopKAccumulator]

    /// Empty selections of `k` items for `users`, each skipping `exclusion(user)` (sorted ascending).
    init(users: ArraySlice<Int>, k: Int, exclusion: (Int) -> [Int32]) {
        rows = users.count
        self.k = k
        for user in users {
            masks += exclusion(user)
            maskStarts.append(masks.count)
        }
        let keysPerRow = TopKAccumulator.bufferCapacity(k: k)
        keys = .allocate(capacity: max(rows * keysPerRow, 1))
        ranked = .allocate(capacity: max(k, 1))
        let keys = self.keys
        accumulators = (0..<rows).map { r in TopKAccumulator(k: k, buffer: keys + r * keysPerRow) }
    }

    deinit {
        keys.deallocate()
        ranked.deallocate()
    }

    /// Offers `scores[0..<count]` as the scores of items `firstIndex..<firstIndex + count` for
    /// the block's `row`-th user; chunks of a row must come in increasing item order.
    func offer(row: Int, _ scores: UnsafePointer<Float>, firstIndex: Int, count: Int) {
        masks.withUnsafeBufferPointer { all in
            let mask = UnsafeBufferPointer(rebasing: all[maskStarts[row]..<maskStarts[row + 1]])
            accumulators[row].offer(scores, firstIndex: firstIndex, count: count, excluding: mask)
        }
    }

    /// Finishes every row and calls `visit(row, ranked items best first)` in row order.
    func finish(_ visit: (Int, UnsafeBufferPointer<Int32>) -> Void) {
        for r in 0..<rows {
            let n = accumulators[r].finish(indices: ranked, scores: nil)
            visit(r, UnsafeBufferPointer(start: ranked, count: n))
        }
    }
}
