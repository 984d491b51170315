import Foundation
import Testing
import NumCore
@testable import Evaluation

@Suite struct RankingMetricsTests {
    /// One user, item scores 5, 4, 3, 2, 1; item 1 is a training item, so the ranking is
    /// 0, 2, 3, 4. Test items {2, 4}: first hit at rank 2, second at rank 4.
    @Test func handComputedExample() {
        let u = Matrix(rows: 1, cols: 1, values: [1])
        let v = Matrix(rows: 5, cols: 1, values: [5, 4, 3, 2, 1])
        let m = FullCorpusEvaluator(cutoffs: [1, 3, 4]).evaluate(
            userVectors: u, itemVectors: v, train: ItemLists([[1]]), test: ItemLists([[4, 2]]))
        #expect(m.usersEvaluated == 1)
        let d2 = 1 / log2(3.0), d3 = 1 / log2(4.0), d4 = 1 / log2(5.0)
        // @1: nothing.
        #expect(m.values["recall@1"] == 0 && m.values["ndcg@1"] == 0 && m.values["hit@1"] == 0 && m.values["mrr@1"] == 0)
        // @3: one hit at rank 2; ideal DCG over min(2, 3) = 2 ranks.
        #expect(abs(m.values["recall@3"]! - 0.5) < 1e-12)
        #expect(abs(m.values["ndcg@3"]! - d2 / (1 + d2)) < 1e-12)
        #expect(abs(m.values["ndcg@3"]! - 0.3868528072) < 1e-9)
        #expect(m.values["hit@3"] == 1 && m.values["mrr@3"] == 0.5)
        // @4: both hits.
        #expect(m.values["recall@4"] == 1)
        #expect(abs(m.values["ndcg@4"]! - (d2 + d4) / (1 + d2)) < 1e-12)
        #expect(m.values["mrr@4"] == 0.5)
        _ = d3
    }

    @Test func maskedTrainingItemNeverCounts() {
        // The best-scoring item is both a training and a test item: it is masked, so the user
        // has no hit at any cutoff even though it would rank first.
        let u = Matrix(rows: 2, cols: 1, values: [1, 1])
        let v = Matrix(rows: 4, cols: 1, values: [9, 1, 2, 3])
        let m = FullCorpusEvaluator(cutoffs: [1, 2, 3]).evaluate(
            userVectors: u, itemVectors: v, train: ItemLists([[0], []]), test: ItemLists([[0], [3]]))
        #expect(m.usersEvaluated == 2)
        // User 0 scores zero everywhere; user 1 ranks 0, 3, ... and hits item 3 at rank 2.
        #expect(m.recall == [0, 0.5, 0.5])
        #expect(m.hitRate == [0, 0.5, 0.5])
        #expect(m.mrr == [0, 0.25, 0.25])
    }

    @Test func accumulatorMergesAndNamesValues() {
        var a = RankingMetrics.Accumulator(cutoffs: [2, 1, 2])
        #expect(a.cutoffs == [1, 2])
        a.add(ranked: [7, 3], relevant: [3])
        var b = RankingMetrics.Accumulator(cutoffs: [1, 2])
        b.add(ranked: [5, 6], relevant: [5, 9])
        b.add(ranked: [1], relevant: [])  // ignored: no test items
        a.merge(b)
        let m = a.metrics
        #expect(m.usersEvaluated == 2)
        #expect(m.hitRate == [0.5, 1])
        #expect(m.mrr == [0.5, 0.75])
        #expect(Set(m.values.keys) == ["recall@1", "ndcg@1", "hit@1", "mrr@1", "recall@2", "ndcg@2", "hit@2", "mrr@2"])
        #expect(RankingMetrics.Accumulator(cutoffs: [5]).metrics.usersEvaluated == 0)
    }

    @Test func benchmarkRunsOnATinyShape() {
        let (seconds, metrics) = FullCorpusEvaluator.benchmark(users: 20, items: 50, dim: 4, seed: 7)
        #expect(seconds >= 0)
        #expect(metrics.usersEvaluated == 20)
    }
}
