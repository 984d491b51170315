import Testing
import NumCore
@testable import Evaluation

@Suite struct ScoredEvaluationTests {
    /// Scores handed over row by row give the same metrics as the same scores from vectors:
    /// same masking, same ties (many, with small-integer vectors), same users skipped.
    @Test func scoresRowByRowMatchBruteForce() {
        let data = SmallCase(seed: 3)
        let want = bruteForceMetrics(data.u, data.v, train: data.train, test: data.test, cutoffs: [5, 20], users: Array(0..<37))
        for (rows, threads) in [(256, 2), (5, 2), (1, 1)] {
            let evaluator = FullCorpusEvaluator(cutoffs: [20, 5], blockRows: rows, pool: WorkerPool(threads: threads))
            let (u, v) = (data.u, data.v)
            let got = evaluator.evaluate(numItems: v.rows, train: ItemLists(data.train), test: ItemLists(data.test)) { user, scores in
                #expect(scores.allSatisfy { $0 == 0 })
                for item in 0..<v.rows {
                    var s: Float = 0
                    for c in 0..<u.cols { s += u[user, c] * v[item, c] }
                    scores[item] = s
                }
            }
            expectClose(got, want)
        }
    }

    /// A subset of users, and fewer items than the largest cut-off.
    @Test func usersAndShortCatalogues() {
        let data = SmallCase(seed: 4)
        let want = bruteForceMetrics(data.u, data.v, train: data.train, test: data.test, cutoffs: [200], users: [1, 2, 3, 30])
        let (u, v) = (data.u, data.v)
        let got = FullCorpusEvaluator(cutoffs: [200]).evaluate(numItems: v.rows, train: ItemLists(data.train), test: ItemLists(data.test),
                                                                users: [1, 2, 3, 30]) { user, scores in
            for item in 0..<v.rows { for c in 0..<u.cols { scores[item] += u[user, c] * v[item, c] } }
        }
        expectClose(got, want)
    }
}
