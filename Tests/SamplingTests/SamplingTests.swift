import Foundation
import Testing
import NumCore
import Datasets
@testable import Sampling

/// A training split of `numUsers` users over `numItems` items from explicit lists.
private func context(_ lists: [[Int32]], numItems: Int) -> SamplingContext {
    SamplingContext(train: Interactions(numUsers: lists.count, numItems: numItems, lists: lists))
}

@Suite struct UniformSamplerTests {
    private let batch = BatchRequest(users: [0, 1, 2, 0], positives: [3, 5, 7, 9])

    @Test func sharedPoolIsDistinctAndInRange() {
        let ctx = context([[1, 2], [3], [4, 5, 6]], numItems: 40)
        let s = UniformSampler(context: ctx, shared: 6, perPositive: 0)
        #expect(s.kind == .uns && !s.needsScorer)
        var rng = RandomSource(seed: 1)
        for _ in 0..<50 {
            let n = s.sample(batch, scorer: nil, rng: &rng)
            #expect(n.shared.count == 6)
            #expect(Set(n.shared).count == 6, "shared pool has repeats: \(n.shared)")
            #expect(n.shared.allSatisfy { $0 >= 0 && $0 < 40 })
            #expect(n.perPositive.isEmpty && n.perPositiveCount == 0)
            #expect(n.sharedLogQ.isEmpty, "uniform proposal: no logQ")
            #expect(n.virtual == nil)
            #expect(n.realPerPositive == 6)
        }
    }

    /// When the pool is a large share of the catalogue the partial-shuffle path is used.
    @Test func largePoolsAreDistinctAndClampedToTheCatalogue() {
        let ctx = context([[0], [1], [2]], numItems: 12)
        var rng = RandomSource(seed: 2)
        let big = UniformSampler(context: ctx, shared: 9, perPositive: 0)
        for _ in 0..<20 {
            let n = big.sample(batch, scorer: nil, rng: &rng)
            #expect(n.shared.count == 9 && Set(n.shared).count == 9 && n.shared.allSatisfy { $0 >= 0 && $0 < 12 })
        }
        let all = UniformSampler(context: ctx, shared: 50, perPositive: 0)
        #expect(all.sharedCount == 12)
        let n = all.sample(batch, scorer: nil, rng: &rng)
        #expect(n.shared.sorted() == (0..<12).map { Int32($0) })
    }

    @Test func perPositiveCountsAndRange() {
        let ctx = context([[1], [2], [3]], numItems: 15)
        let s = UniformSampler(context: ctx, shared: 0, perPositive: 3)
        var rng = RandomSource(seed: 3)
        let n = s.sample(batch, scorer: nil, rng: &rng)
        #expect(n.shared.isEmpty)
        #expect(n.perPositiveCount == 3)
        #expect(n.perPositive.count == batch.count * 3)
        #expect(n.perPositive.allSatisfy { $0 >= 0 && $0 < 15 })
        #expect(n.perPositiveLogQ.isEmpty)
        #expect(n.realPerPositive == 3)
        let both = UniformSampler(context: ctx, shared: 4, perPositive: 2).sample(batch, scorer: nil, rng: &rng)
        #expect(both.shared.count == 4 && both.perPositive.count == 8 && both.realPerPositive == 6)
    }

    @Test func deterministicForTheSameSeed() {
        let ctx = context([[1], [2], [3]], numItems: 30)
        func draw(_ seed: UInt64) -> [[Int32]] {
            let s = UniformSampler(context: ctx, shared: 5, perPositive: 2)
            var rng = RandomSource(seed: seed)
            return (0..<5).flatMap { _ -> [[Int32]] in
                let n = s.sample(batch, scorer: nil, rng: &rng)
                return [n.shared, n.perPositive]
            }
        }
        #expect(draw(7) == draw(7))
        #expect(draw(7) != draw(8))
    }

    /// Every item is drawn about equally often.
    @Test func drawsAreRoughlyUniform() {
        let ctx = context([[0]], numItems: 10)
        let s = UniformSampler(context: ctx, shared: 2, perPositive: 5)
        var rng = RandomSource(seed: 4)
        var counts = [Int](repeating: 0, count: 10)
        let big = BatchRequest(users: [Int32](repeating: 0, count: 100), positives: [Int32](repeating: 0, count: 100))
        for _ in 0..<10 {
            let n = s.sample(big, scorer: nil, rng: &rng)
            for it in n.perPositive { counts[Int(it)] += 1 }
            for it in n.shared { counts[Int(it)] += 1 }
        }
        let total = counts.reduce(0, +)
        #expect(total == 10 * (500 + 2))
        for c in counts { #expect(abs(Double(c) - Double(total) / 10) < 0.15 * Double(total) / 10, "counts \(counts)") }
    }
}

@Suite struct InBatchSamplerTests {
    @Test func returnsThePositivesWithLogFrequency() {
        // Item counts: 0 -> 3, 1 -> 1, 2 -> 2, 3 -> 0 (total 6).
        let ctx = context([[0, 1, 2], [0, 2], [0]], numItems: 4)
        #expect(ctx.itemCounts == [3, 1, 2, 0])
        let s = InBatchSampler(context: ctx)
        #expect(s.kind == .inbatch && s.correct)
        var rng = RandomSource(seed: 5)
        let batch = BatchRequest(users: [0, 1, 2, 0], positives: [2, 0, 0, 1])
        let n = s.sample(batch, scorer: nil, rng: &rng)
        #expect(n.shared == [2, 0, 0, 1])
        #expect(n.perPositive.isEmpty && n.perPositiveCount == 0 && n.virtual == nil)
        let expected = [2.0, 3, 3, 1].map { Float(log($0 / 6)) }
        #expect(n.sharedLogQ.count == 4)
        for (a, e) in zip(n.sharedLogQ, expected) { #expect(abs(a - e) < 1e-6, "\(n.sharedLogQ) vs \(expected)") }
    }

    @Test func matchedBudgetDrawsFromOtherRows() {
        let ctx = context([[0, 1, 2], [0, 2], [0]], numItems: 4)
        let s = InBatchSampler(context: ctx, shared: 2, perPositive: 5)
        var rng = RandomSource(seed: 8)
        let batch = BatchRequest(users: [0, 1, 2], positives: [1, 2, 3])
        for _ in 0..<50 {
            let n = s.sample(batch, scorer: nil, rng: &rng)
            #expect(n.shared.count == 2 && Set(n.shared).count == 2 && Set(n.shared).isSubset(of: [1, 2, 3]))
            #expect(n.perPositiveCount == 5 && n.perPositive.count == 15 && n.perPositiveLogQ.count == 15)
            for b in 0..<3 {
                for m in 0..<5 {
                    let item = n.perPositive[b * 5 + m]
                    #expect(item != batch.positives[b] && batch.positives.contains(item))
                }
            }
        }
    }

    @Test func itemsWithoutTrainingCountsGetAFiniteLogQ() {
        let ctx = context([[0, 1]], numItems: 3)
        let s = InBatchSampler(context: ctx)
        var rng = RandomSource(seed: 6)
        let n = s.sample(BatchRequest(users: [0], positives: [2]), scorer: nil, rng: &rng)
        #expect(n.sharedLogQ.count == 1 && n.sharedLogQ[0].isFinite)
        #expect(abs(n.sharedLogQ[0] - Float(log(0.5 / 2))) < 1e-6)
    }

    @Test func withoutCorrectionNoLogQ() {
        let ctx = context([[0, 1], [1]], numItems: 2)
        let s = InBatchSampler(context: ctx, logQCorrection: false)
        var rng = RandomSource(seed: 7)
        let n = s.sample(BatchRequest(users: [0, 1], positives: [1, 0]), scorer: nil, rng: &rng)
        #expect(n.shared == [1, 0])
        #expect(n.sharedLogQ.isEmpty)
    }
}

@Suite struct VirtualRecipesTests {
    @Test func recipesRecordTerms() {
        var r = VirtualRecipes(perRow: 2)
        #expect(r.detachPositive && r.count == 0 && r.termStart == [0])
        r.add([(source: 0, weight: 0.5), (source: -1, weight: 0.5)])
        r.add([(source: 1, weight: 1)])
        #expect(r.count == 2)
        #expect(r.termStart == [0, 2, 3])
        #expect(r.termSource == [0, -1, 1])
        #expect(r.termWeight == [0.5, 0.5, 1])
    }
}
