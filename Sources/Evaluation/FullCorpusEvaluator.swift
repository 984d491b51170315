import Collectives
import NumCore

/// Full-corpus ranking evaluation: every user is scored against every item, training items
/// are masked, and the top of each ranking is compared with the user's test items.
///
/// Scores `U · Vᵀ` are never materialised for all users at once. Users are cut into blocks of
/// ``blockRows``; each block is one task on the worker pool that computes its scores item
/// chunk by item chunk (``itemChunk`` columns, an L2-sized buffer) with a single-threaded
/// `sgemm` and streams every chunk into one ``TopKAccumulator`` per user (a threshold filter and a small
/// candidate buffer). Metric sums are
/// kept per block and added in block order, so the result does not depend on the thread count.
///
/// With a ``communicator`` of several ranks (processes launched by `mpirun`), the blocks are
/// cut into consecutive runs, one per rank (``ContiguousPartition``); each rank ranks only
/// its own blocks, and the block sums are gathered and added in block order on every rank
/// (``Communicator/sumInOrder(_:width:)``). A block holds the same users on every rank count,
/// so the metrics are bitwise those of one process.
public struct FullCorpusEvaluator: Sendable {
    /// Metric cutoffs, ascending.
    public let cutoffs: [Int]
    /// Users per task.
    public let blockRows: Int
    /// Items per GEMM call inside a task.
    public let itemChunk: Int
    /// The pool the blocks are spread over.
    public let pool: WorkerPool
    /// The ranks the blocks are spread over (one process by default); every rank must call
    /// the same evaluations in the same order, and every rank gets the metrics.
    public let communicator: any Communicator

    /// An evaluator reporting metrics at `cutoffs`.
    /// - Parameters:
    ///   - blockRows: users per task (the GEMM's `m`); larger blocks amortise packing item
    ///     vectors, smaller ones balance the threads better.
    ///   - itemChunk: items per GEMM call; `blockRows * itemChunk` floats should fit in L2.
    ///   - communicator: the ranks that share the evaluations (see the type's notes).
    public init(cutoffs: [Int] = [20, 50, 100, 200], blockRows: Int = 256, itemChunk: Int = 1024, pool: WorkerPool = .shared,
                communicator: any Communicator = SingleProcessCommunicator()) {
        precondition(blockRows > 0 && itemChunk > 0, "block sizes must be positive")
        self.cutoffs = RankingMetrics.Accumulator(cutoffs: cutoffs).cutoffs
        self.blockRows = blockRows
        self.itemChunk = itemChunk
        self.pool = pool
        self.communicator = communicator
    }

    /// Ranks all items for each user with a test item and averages the metrics.
    ///
    /// - Parameters:
    ///   - userVectors: one row per user (`numUsers x d`).
    ///   - itemVectors: one row per item (`numItems x d`); the score is the dot product.
    ///   - train: items masked out of each user's ranking (users beyond its range have none).
    ///   - test: each user's relevant items; users with none are skipped.
    ///   - users: the users to evaluate (default: all rows of `userVectors`).
    ///   - perUser: when given, row u gets user u's Recall@K for each cut-off, then NDCG@K
    ///     for each (`numUsers x 2 * cutoffs.count`); rows of users not evaluated are NaN.
    ///     With several ranks, every rank gets every evaluated user's row.
    ///   - progress: told the users ranked so far, once per block of ``blockRows`` users
    ///     (see ``EvaluationProgress``); with several ranks, this rank's users only.
    public func evaluate(
        userVectors: Matrix, itemVectors: Matrix,
        train: some UserItemLists, test: some UserItemLists, users: [Int]? = nil, perUser: Matrix? = nil,
        progress: EvaluationProgress? = nil
    ) -> RankingMetrics {
        if let perUser {
            precondition(perUser.rows == userVectors.rows && perUser.cols == 2 * cutoffs.count, "one row of 2 x cut-offs per user")
            perUser.data.update(repeating: .nan, count: perUser.count)
        }
        let candidates = users ?? Array(0..<userVectors.rows)
        return averaged(over: candidates, train: train, test: test, perUser: perUser, progress: progress) { ids, k, exclusion, visit in
            rank(ids, userVectors: userVectors, itemVectors: itemVectors, k: min(k, itemVectors.rows), exclusion: exclusion, visit: visit)
        }
    }

    /// The metrics of the users in `candidates` that have test items, each ranked by `rank`
    /// (given the users, `k`, each user's exclusion list, and the visit that adds a ranking to
    /// its block's sums); shared by every kind of scorer. With `perUser`, each user's metrics
    /// go into its row too; with `progress`, each finished block is reported. With several
    /// ranks, `rank` sees only this rank's run of blocks.
    func averaged(
        over candidates: [Int], train: some UserItemLists, test: some UserItemLists, perUser: Matrix? = nil,
        progress: EvaluationProgress? = nil,
        rank: ([Int], Int, @escaping (Int) -> [Int32], @escaping (Int, Int, UnsafeBufferPointer<Int32>) -> Void) -> Void
    ) -> RankingMetrics {
        let all = candidates.filter { $0 < test.numUsers && !test.items(of: $0).isEmpty }
        // This rank's run of whole blocks: block b holds the same users on every rank count.
        let mine = ContiguousPartition(count: (all.count + blockRows - 1) / blockRows, parts: communicator.size)
            .range(of: communicator.rank)
        let ids = Array(all[min(mine.lowerBound * blockRows, all.count)..<min(mine.upperBound * blockRows, all.count)])
        let blocks = (ids.count + blockRows - 1) / blockRows
        let empty = RankingMetrics.Accumulator(cutoffs: cutoffs)
        let sums = UnsafeMutablePointer<RankingMetrics.Accumulator>.allocate(capacity: max(blocks, 1))
        sums.initialize(repeating: empty, count: max(blocks, 1))
        defer { sums.deinitialize(count: max(blocks, 1)); sums.deallocate() }
        let blockRows = self.blockRows
        let counter = progress.map { BlockProgress(total: ids.count, report: $0) }
        let count = ids.count
        rank(ids, cutoffs.last!, { user in user < train.numUsers ? train.items(of: user).sortedUnique() : [] }) { position, user, ranked in
            sums[position / blockRows].add(ranked: ranked, relevant: test.items(of: user).sortedUnique(), row: perUser?.row(user))
            // Users of a block are visited in order: its last one closes it.
            if let counter, BlockProgress.endsBlock(position, blockRows: blockRows, count: count) {
                counter.finished(users: position % blockRows + 1)
            }
        }
        if let perUser, communicator.size > 1 { shareRows(of: ids, all: all, in: perUser) }
        // Block sums added in block order, the same additions as one process makes.
        let flat = (0..<blocks).flatMap { sums[$0].flattened }
        return RankingMetrics.Accumulator(cutoffs: cutoffs, flattened: communicator.sumInOrder(flat, width: empty.flattened.count)).metrics
    }

    /// Gives every rank the per-user rows of `all` users, this rank having filled those of `mine`.
    private func shareRows(of mine: [Int], all: [Int], in perUser: Matrix) {
        let width = perUser.cols
        var local = [Float]()
        local.reserveCapacity(mine.count * width)
        for user in mine { local.append(contentsOf: UnsafeBufferPointer(start: perUser.row(user), count: width)) }
        let rows = communicator.allGatherConcatenated(local)
        precondition(rows.count == all.count * width, "ranks disagree on the evaluated users")
        for (i, user) in all.enumerated() {
            rows.withUnsafeBufferPointer { perUser.row(user).update(from: $0.baseAddress! + i * width, count: width) }
        }
    }

    /// The `k` best items for each user, best first, skipping each user's `exclude` items.
    /// - Parameters:
    ///   - users: the users to rank for (default: all rows of `userVectors`); the result has
    ///     one list per entry, in the same order.
    public func topK(
        userVectors: Matrix, itemVectors: Matrix, exclude: (any UserItemLists)?, k: Int, users: [Int]? = nil
    ) -> [[Int32]] {
        let ids = users ?? Array(0..<userVectors.rows)
        var results = [[Int32]](repeating: [], count: ids.count)
        results.withUnsafeMutableBufferPointer { out in
            let out = out  // each task writes only its own users' slots
            rank(ids, userVectors: userVectors, itemVectors: itemVectors, k: min(max(k, 0), itemVectors.rows),
                 exclusion: { user in
                     guard let exclude, user < exclude.numUsers else { return [] }
                     return exclude.items(of: user).sortedUnique()
                 }) { position, _, ranked in
                out[position] = Array(ranked)
            }
        }
        return results
    }

    /// Computes the top `k` of every user in `ids` and calls `visit(position in ids, user,
    /// ranked items)`; within a block the calls come in position order, and blocks run in
    /// parallel, so `visit` may only write state owned by its block.
    private func rank(
        _ ids: [Int], userVectors: Matrix, itemVectors: Matrix, k: Int,
        exclusion: @escaping (Int) -> [Int32],
        visit: @escaping (Int, Int, UnsafeBufferPointer<Int32>) -> Void
    ) {
        precondition(userVectors.cols == itemVectors.cols, "user and item vectors differ in dimension")
        precondition(ids.allSatisfy { $0 >= 0 && $0 < userVectors.rows }, "user index out of range")
        let d = userVectors.cols
        let numItems = itemVectors.rows
        let blockRows = self.blockRows
        let chunk = min(itemChunk, max(numItems, 1))
        let blocks = (ids.count + blockRows - 1) / blockRows
        pool.parallelFor(blocks) { b in
            let lo = b * blockRows, hi = min(ids.count, lo + blockRows)
            let rows = hi - lo
            // The block's user vectors, contiguous.
            let a = UnsafeMutablePointer<Float>.allocate(capacity: max(rows * d, 1))
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: max(rows * chunk, 1))
            defer { a.deallocate(); scores.deallocate() }
            for r in 0..<rows { (a + r * d).update(from: userVectors.row(ids[lo + r]), count: d) }
            let ranking = BlockRanking(users: ids[lo..<hi], k: k, exclusion: exclusion)
            var j0 = 0
            while j0 < numItems {
                let cn = min(chunk, numItems - j0)
                sgemm(transA: false, transB: true, m: rows, n: cn, k: d, a: a, lda: d,
                      b: itemVectors.row(j0), ldb: d, c: scores, ldc: chunk, pool: nil)
                for r in 0..<rows { ranking.offer(row: r, scores + r * chunk, firstIndex: j0, count: cn) }
                j0 += cn
            }
            ranking.finish { r, ranked in visit(lo + r, ids[lo + r], ranked) }
        }
    }
}
