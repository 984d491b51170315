import Foundation
import Testing
import NumCore
import Datasets
@testable import Evaluation

/// Small-integer vectors: every dot product is exact, so GEMM and naive scoring agree bit for
/// bit, and there are many exact ties to exercise the lower-index-first rule.
func integerMatrix(_ rows: Int, _ cols: Int, _ rng: inout RandomSource) -> Matrix {
    Matrix(rows: rows, cols: cols, values: (0..<(rows * cols)).map { _ in Float(rng.below(7) - 3) })
}

/// Straightforward metrics: score everything, sort, drop training items, count.
func bruteForceMetrics(_ u: Matrix, _ v: Matrix, train: [[Int32]], test: [[Int32]], cutoffs: [Int], users: [Int]) -> RankingMetrics {
    var sums = Array(repeating: [0.0, 0.0, 0.0, 0.0], count: cutoffs.count)
    var evaluated = 0
    for user in users {
        let relevant = Set(test[user])
        if relevant.isEmpty { continue }
        evaluated += 1
        let masked = Set(train[user])
        var scored = [(item: Int, score: Float)]()
        for item in 0..<v.rows where !masked.contains(Int32(item)) {
            var s: Float = 0
            for c in 0..<u.cols { s += u[user, c] * v[item, c] }
            scored.append((item, s))
        }
        scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.item < $1.item }
        for (ci, k) in cutoffs.enumerated() {
            let top = scored.prefix(k).map { Int32($0.item) }
            let hitRanks = top.indices.filter { relevant.contains(top[$0]) }.map { $0 + 1 }
            let dcg = hitRanks.reduce(0.0) { $0 + 1 / log2(Double($1) + 1) }
            let idcg = (1...min(relevant.count, k)).reduce(0.0) { $0 + 1 / log2(Double($1) + 1) }
            sums[ci][0] += Double(hitRanks.count) / Double(relevant.count)
            sums[ci][1] += dcg / idcg
            sums[ci][2] += hitRanks.isEmpty ? 0 : 1
            sums[ci][3] += hitRanks.first.map { 1 / Double($0) } ?? 0
        }
    }
    let n = Double(max(evaluated, 1))
    return RankingMetrics(cutoffs: cutoffs, recall: sums.map { $0[0] / n }, ndcg: sums.map { $0[1] / n },
                          hitRate: sums.map { $0[2] / n }, mrr: sums.map { $0[3] / n }, usersEvaluated: evaluated)
}

func expectClose(_ a: RankingMetrics, _ b: RankingMetrics, tolerance: Double = 1e-6) {
    #expect(a.cutoffs == b.cutoffs)
    #expect(a.usersEvaluated == b.usersEvaluated)
    for (name, value) in b.values {
        #expect(abs((a.values[name] ?? .nan) - value) <= tolerance, "\(name): \(a.values[name] ?? .nan) vs \(value)")
    }
}

/// 37 users x 101 items, d 8; every fourth user has no test items; train and test may overlap.
struct SmallCase {
    let u: Matrix, v: Matrix
    let train: [[Int32]], test: [[Int32]]

    init(seed: UInt64) {
        var rng = RandomSource(seed: seed)
        u = integerMatrix(37, 8, &rng)
        v = integerMatrix(101, 8, &rng)
        var train = [[Int32]](), test = [[Int32]]()
        for user in 0..<37 {
            train.append((0..<rng.below(30)).map { _ in Int32(rng.below(101)) })
            test.append(user % 4 == 0 ? [] : (0..<(1 + rng.below(8))).map { _ in Int32(rng.below(101)) })
        }
        self.train = train
        self.test = test
    }
}

@Suite struct FullCorpusEvaluatorTests {
    @Test func matchesBruteForce() {
        let data = SmallCase(seed: 1)
        let want = bruteForceMetrics(data.u, data.v, train: data.train, test: data.test, cutoffs: [5, 20], users: Array(0..<37))
        #expect(want.usersEvaluated == 27)
        for (rows, chunk) in [(256, 1024), (5, 16), (1, 7), (8, 101)] {
            let evaluator = FullCorpusEvaluator(cutoffs: [20, 5], blockRows: rows, itemChunk: chunk)
            let got = evaluator.evaluate(userVectors: data.u, itemVectors: data.v,
                                         train: ItemLists(data.train), test: ItemLists(data.test))
            expectClose(got, want)
        }
    }

    @Test func userSubsetAndLargeCutoff() {
        let data = SmallCase(seed: 2)
        let subset = [3, 1, 4, 8, 30, 31, 36]
        // A cutoff beyond the item count ranks everything that is not masked.
        let want = bruteForceMetrics(data.u, data.v, train: data.train, test: data.test, cutoffs: [1, 150], users: subset)
        let got = FullCorpusEvaluator(cutoffs: [1, 150], blockRows: 3, itemChunk: 32)
            .evaluate(userVectors: data.u, itemVectors: data.v, train: ItemLists(data.train), test: ItemLists(data.test), users: subset)
        expectClose(got, want)
    }

    @Test func identicalForAnyThreadCount() {
        var rng = RandomSource(seed: 9)
        let u = Matrix(rows: 50, cols: 6, values: (0..<300).map { _ in rng.normal() })
        let v = Matrix(rows: 70, cols: 6, values: (0..<420).map { _ in rng.normal() })
        let train = ItemLists((0..<50).map { _ in (0..<5).map { _ in Int32(rng.below(70)) } })
        let test = ItemLists((0..<50).map { _ in (0..<3).map { _ in Int32(rng.below(70)) } })
        let one = FullCorpusEvaluator(cutoffs: [3, 10], blockRows: 4, itemChunk: 16, pool: WorkerPool(threads: 1))
            .evaluate(userVectors: u, itemVectors: v, train: train, test: test)
        let two = FullCorpusEvaluator(cutoffs: [3, 10], blockRows: 4, itemChunk: 16, pool: WorkerPool(threads: 2))
            .evaluate(userVectors: u, itemVectors: v, train: train, test: test)
        #expect(one == two)
    }

    @Test func topKListsMatchSelectorAndSkipTraining() {
        let data = SmallCase(seed: 3)
        let train = ItemLists(data.train)
        let lists = FullCorpusEvaluator(blockRows: 6, itemChunk: 20)
            .topK(userVectors: data.u, itemVectors: data.v, exclude: train, k: 10)
        #expect(lists.count == 37)
        for user in 0..<37 {
            let scores = (0..<101).map { item in (0..<8).reduce(Float(0)) { $0 + data.u[user, $1] * data.v[item, $1] } }
            let want = TopKSelector(k: 10).select(scores, excluding: train.lists[user]).map(\.index)
            #expect(lists[user] == want)
            #expect(Set(lists[user]).isDisjoint(with: train.lists[user]))
        }
        let subset = FullCorpusEvaluator().topK(userVectors: data.u, itemVectors: data.v, exclude: nil, k: 500, users: [2, 0])
        #expect(subset.count == 2 && subset[0].count == 101 && Set(subset[1]).count == 101)
    }

    @Test func acceptsInteractions() {
        let data = SmallCase(seed: 4)
        let train = Interactions(numUsers: 37, numItems: 101, lists: data.train.map { Array(Set($0)).sorted() })
        let test = Interactions(numUsers: 37, numItems: 101, lists: data.test.map { Array(Set($0)).sorted() })
        let got = FullCorpusEvaluator(cutoffs: [5, 20]).evaluate(userVectors: data.u, itemVectors: data.v, train: train, test: test)
        let want = bruteForceMetrics(data.u, data.v, train: data.train, test: data.test, cutoffs: [5, 20], users: Array(0..<37))
        expectClose(got, want)
    }
}

@Test func perUserRowsAverageToTheReportedMetrics() {
    let data = SmallCase(seed: 3)
    let rows = Matrix(rows: 37, cols: 4)
    let m = FullCorpusEvaluator(cutoffs: [20, 5], blockRows: 5, itemChunk: 16)
        .evaluate(userVectors: data.u, itemVectors: data.v, train: ItemLists(data.train), test: ItemLists(data.test), perUser: rows)
    // Users without test items (every fourth) get NaN rows; the others average to the metrics.
    for u in 0..<37 { #expect(rows[u, 0].isNaN == data.test[u].isEmpty) }
    let evaluated = (0..<37).filter { !data.test[$0].isEmpty }
    for (c, want) in [(0, m.recall[0]), (1, m.recall[1]), (2, m.ndcg[0]), (3, m.ndcg[1])] {
        let mean = evaluated.reduce(0.0) { $0 + Double(rows[$1, c]) } / Double(evaluated.count)
        #expect(abs(mean - want) < 1e-6, "column \(c)")
    }
}
