import Foundation
import Runs
import Testing
import NumCore
import Datasets
@testable import Sampling

@Test func mixedSamplerSplitsItsBudgetBetweenInBatchAndUniformWithMixtureLogQ() {
    let ctx = makeContext([[0, 1], [0, 2], [3]], numItems: 10)
    let s = MixedSampler(context: ctx, shared: 4, perPositive: 3)
    var rng = RandomSource(seed: 2)
    let batch = BatchRequest(users: [0, 1, 2], positives: [0, 2, 3])
    let n = s.sample(batch, scorer: nil, rng: &rng)
    // Shared pool: 2 positives of the batch, then 2 distinct uniform items.
    #expect(n.shared.count == 4 && Set(n.shared.prefix(2)).isSubset(of: [0, 2, 3]))
    #expect(n.perPositive.count == 9 && n.perPositiveCount == 3)
    // q_i = a f_i + (1 - a) / n with f = counts / 5, a = 1/2 in both parts.
    let f: [Double] = [2 / 5, 1 / 5, 1 / 5, 1 / 5, 0, 0, 0, 0, 0, 0]
    for (item, q) in zip(n.shared + n.perPositive, n.sharedLogQ + n.perPositiveLogQ) {
        #expect(abs(Double(q) - log(0.5 * f[Int(item)] + 0.05)) < 1e-5)
    }
    // Over many batches about half the per-positive draws are other rows' positives.
    var fromBatch = 0, total = 0
    for _ in 0..<400 {
        let m = s.sample(batch, scorer: nil, rng: &rng)
        for (k, item) in m.perPositive.enumerated() {
            total += 1
            if item == batch.positives[k / 3] || ![0, 2, 3].contains(item) { continue }
            fromBatch += 1
        }
    }
    // Uniform draws land on one of the two other rows' positives with probability 2/10.
    let expected = 0.5 + 0.5 * 0.2
    #expect(abs(Double(fromBatch) / Double(total) - expected) < 0.03, "\(fromBatch) of \(total)")
}
