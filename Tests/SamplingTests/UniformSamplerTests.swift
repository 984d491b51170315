import Foundation
import Testing
import NumCore
import Datasets
@testable import Sampling

@Suite struct UniformSamplerTests {
    private let batch = BatchRequest(users: [0, 1, 2, 0], positives: [3, 5, 7, 9])

    @Test func sharedPoolIsDistinctAndInRange() {
        let ctx = makeContext([[1, 2], [3], [4, 5, 6]], numItems: 40)
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
        let ctx = makeContext([[0], [1], [2]], numItems: 12)
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
        let ctx = makeContext([[1], [2], [3]], numItems: 15)
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
        let ctx = makeContext([[1], [2], [3]], numItems: 30)
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
        let ctx = makeContext([[0]], numItems: 10)
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
