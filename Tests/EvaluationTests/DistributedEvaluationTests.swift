import Collectives
import Foundation
import NumCore
import Testing
@testable import Evaluation

/// Ranks simulated by threads (``LocalCommunicator``): every rank gets the metrics of one
/// process, bit for bit, whatever the number of ranks and however the blocks fall.
@Suite struct DistributedEvaluationTests {
    /// 203 users x 150 items with real-valued vectors, so that the metric sums round
    /// differently when added in another order; every fifth user has no test items.
    struct Case: Sendable {
        let u: Matrix, v: Matrix
        let train: ItemLists, test: ItemLists

        init(seed: UInt64) {
            var rng = RandomSource(seed: seed)
            u = Matrix(rows: 203, cols: 8, values: (0..<(203 * 8)).map { _ in rng.normal() })
            v = Matrix(rows: 150, cols: 8, values: (0..<(150 * 8)).map { _ in rng.normal() })
            train = ItemLists((0..<203).map { _ in (0..<rng.below(20)).map { _ in Int32(rng.below(150)) } })
            test = ItemLists((0..<203).map { user in user % 5 == 0 ? [] : (0..<(1 + rng.below(9))).map { _ in Int32(rng.below(150)) } })
        }
    }

    @Test(arguments: [1, 7, 64]) func ranksGiveTheMetricsOfOneProcess(blockRows: Int) {
        let data = Case(seed: 5)
        let want = FullCorpusEvaluator(cutoffs: [5, 20, 50], blockRows: blockRows, itemChunk: 32, pool: WorkerPool(threads: 1))
            .evaluate(userVectors: data.u, itemVectors: data.v, train: data.train, test: data.test)
        #expect(want.usersEvaluated == 162)
        for ranks in 1...5 {
            let got = LocalCommunicator.run(ranks: ranks) { comm in
                FullCorpusEvaluator(cutoffs: [5, 20, 50], blockRows: blockRows, itemChunk: 32, pool: WorkerPool(threads: 1), communicator: comm)
                    .evaluate(userVectors: data.u, itemVectors: data.v, train: data.train, test: data.test)
            }
            for (rank, m) in got.enumerated() {
                #expect(m == want, "\(ranks) ranks, rank \(rank), blocks of \(blockRows)")
            }
        }
    }

    /// The grouping of the additions matters on this data: summing users in blocks of 64
    /// (a few partial sums added together, as an all-reduce of per-rank sums would) does not
    /// give the bits of one running sum (blocks of 1), so the test above would catch a
    /// reduction that grouped users by rank.
    @Test func groupingTheSumsChangesTheBits() {
        let data = Case(seed: 5)
        let metrics = [1, 64].map { rows in
            FullCorpusEvaluator(cutoffs: [5, 20, 50], blockRows: rows, itemChunk: 32)
                .evaluate(userVectors: data.u, itemVectors: data.v, train: data.train, test: data.test)
        }
        #expect(metrics[0] != metrics[1])
        expectClose(metrics[0], metrics[1], tolerance: 1e-12)
    }

    /// Per-user rows: every rank gets every evaluated user's row, equal to one process's.
    @Test func perUserRowsReachEveryRank() {
        let data = Case(seed: 6)
        let want = Matrix(rows: 203, cols: 4)
        _ = FullCorpusEvaluator(cutoffs: [10, 30], blockRows: 16, itemChunk: 64)
            .evaluate(userVectors: data.u, itemVectors: data.v, train: data.train, test: data.test, perUser: want)
        let expected = (0..<203).map { want.rowArray($0) }
        let got = LocalCommunicator.run(ranks: 3) { comm -> [[Float]] in
            let rows = Matrix(rows: 203, cols: 4)
            _ = FullCorpusEvaluator(cutoffs: [10, 30], blockRows: 16, itemChunk: 64, pool: WorkerPool(threads: 1), communicator: comm)
                .evaluate(userVectors: data.u, itemVectors: data.v, train: data.train, test: data.test, perUser: rows)
            return (0..<203).map { rows.rowArray($0) }
        }
        for rows in got {
            for (user, row) in rows.enumerated() {
                #expect(row.map(\.bitPattern) == expected[user].map(\.bitPattern), "user \(user)")
            }
        }
    }

    /// The scorer path (baselines) splits its users the same way.
    @Test func scoredEvaluationSplitsToo() {
        let data = Case(seed: 7)
        let score: @Sendable (Int, UnsafeMutableBufferPointer<Float>) -> Void = { user, scores in
            for j in scores.indices { scores[j] = sin(Float(user * 31 + j * 7)) }
        }
        let want = FullCorpusEvaluator(cutoffs: [5, 25], blockRows: 9)
            .evaluate(numItems: 150, train: data.train, test: data.test, score: score)
        let got = LocalCommunicator.run(ranks: 4) { comm in
            FullCorpusEvaluator(cutoffs: [5, 25], blockRows: 9, pool: WorkerPool(threads: 1), communicator: comm)
                .evaluate(numItems: 150, train: data.train, test: data.test, score: score)
        }
        #expect(got.allSatisfy { $0 == want })
    }
}
