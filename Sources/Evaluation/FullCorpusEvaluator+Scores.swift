extension FullCorpusEvaluator {
    /// Ranks all `numItems` items for each user with a test item by the scores `score` writes,
    /// and averages the metrics: the same protocol as
    /// ``evaluate(userVectors:itemVectors:train:test:users:)`` (masking, ties to the lower item
    /// index, users without test items skipped) for models whose scores are not dot products
    /// of vectors, such as the popularity and item-KNN baselines.
    ///
    /// - Parameters:
    ///   - numItems: the number of items ranked (`0..<numItems`).
    ///   - train: items masked out of each user's ranking (users beyond its range have none).
    ///   - test: each user's relevant items; users with none are skipped.
    ///   - users: the users to evaluate (default: every user of `test`).
    ///   - progress: told the users ranked so far, once per block (see ``EvaluationProgress``).
    ///   - score: writes `scores[j]`, the score of item `j`, for `user`; the row is zero when
    ///     it is called. It is called from the pool's threads at once, one user at a time on
    ///     each, so it may only read shared state.
    public func evaluate(
        numItems: Int, train: some UserItemLists, test: some UserItemLists, users: [Int]? = nil,
        progress: EvaluationProgress? = nil,
        score: @escaping (_ user: Int, _ scores: UnsafeMutableBufferPointer<Float>) -> Void
    ) -> RankingMetrics {
        precondition(numItems >= 0, "numItems must not be negative")
        let candidates = users ?? Array(0..<test.numUsers)
        let blockRows = self.blockRows
        return averaged(over: candidates, train: train, test: test, progress: progress) { ids, k, exclusion, visit in
            let k = min(k, numItems)
            let blocks = (ids.count + blockRows - 1) / blockRows
            pool.parallelFor(blocks) { b in
                let lo = b * blockRows, hi = min(ids.count, lo + blockRows)
                let row = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(numItems, 1))
                defer { row.deallocate() }
                let ranking = BlockRanking(users: ids[lo..<hi], k: k, exclusion: exclusion)
                for r in 0..<(hi - lo) {
                    let scores = UnsafeMutableBufferPointer(rebasing: row[0..<numItems])
                    scores.initialize(repeating: 0)
                    score(ids[lo + r], scores)
                    ranking.offer(row: r, row.baseAddress!, firstIndex: 0, count: numItems)
                }
                ranking.finish { r, ranked in visit(lo + r, ids[lo + r], ranked) }
            }
        }
    }
}
