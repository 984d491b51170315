import Foundation
import Testing
import NumCore
import Datasets
@testable import Sampling

@Suite struct InBatchSamplerTests {
    @Test func returnsThePositivesWithLogFrequency() {
        // Item counts: 0 -> 3, 1 -> 1, 2 -> 2, 3 -> 0 (total 6).
        let ctx = makeContext([[0, 1, 2], [0, 2], [0]], numItems: 4)
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
        let ctx = makeContext([[0, 1, 2], [0, 2], [0]], numItems: 4)
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
        let ctx = makeContext([[0, 1]], numItems: 3)
        let s = InBatchSampler(context: ctx)
        var rng = RandomSource(seed: 6)
        let n = s.sample(BatchRequest(users: [0], positives: [2]), scorer: nil, rng: &rng)
        #expect(n.sharedLogQ.count == 1 && n.sharedLogQ[0].isFinite)
        #expect(abs(n.sharedLogQ[0] - Float(log(0.5 / 2))) < 1e-6)
    }

    @Test func withoutCorrectionNoLogQ() {
        let ctx = makeContext([[0, 1], [1]], numItems: 2)
        let s = InBatchSampler(context: ctx, logQCorrection: false)
        var rng = RandomSource(seed: 7)
        let n = s.sample(BatchRequest(users: [0, 1], positives: [1, 0]), scorer: nil, rng: &rng)
        #expect(n.shared == [1, 0])
        #expect(n.sharedLogQ.isEmpty)
    }
}
