import Foundation
import NumCore

extension FullCorpusEvaluator {
    /// Times one full-corpus evaluation on synthetic data, for release-mode performance checks.
    ///
    /// User and item vectors are random unit vectors of `dim` components; each user gets 10–40
    /// random training items and 1–12 random test items (about Gowalla's 27 and 7 per user).
    /// Only the ``evaluate(userVectors:itemVectors:train:test:users:)`` call is timed, with the
    /// default evaluator on the shared pool. Gowalla's shape is `users: 29_858, items: 40_981, dim: 64`.
    public static func benchmark(users: Int, items: Int, dim: Int, seed: UInt64, cutoffs: [Int] = [20, 50, 100, 200]) -> (seconds: Double, metrics: RankingMetrics) {
        var rng = RandomSource(seed: seed)
        func unitRows(_ rows: Int) -> Matrix {
            let m = Matrix(rows: rows, cols: dim)
            for r in 0..<rows {
                let p = m.row(r)
                var norm: Float = 0
                for c in 0..<dim { p[c] = rng.normal(); norm += p[c] * p[c] }
                let scale = norm > 0 ? 1 / norm.squareRoot() : 0
                for c in 0..<dim { p[c] *= scale }
            }
            return m
        }
        let userVectors = unitRows(users)
        let itemVectors = unitRows(items)
        var train = [[Int32]](), test = [[Int32]]()
        for _ in 0..<users {
            train.append((0..<(10 + rng.below(31))).map { _ in Int32(rng.below(items)) })
            test.append((0..<(1 + rng.below(12))).map { _ in Int32(rng.below(items)) })
        }
        let trainLists = ItemLists(train), testLists = ItemLists(test)
        let evaluator = FullCorpusEvaluator(cutoffs: cutoffs)
        let start = DispatchTime.now().uptimeNanoseconds
        let metrics = evaluator.evaluate(userVectors: userVectors, itemVectors: itemVectors, train: trainLists, test: testLists)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return (seconds, metrics)
    }
}
