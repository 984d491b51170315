import Foundation
import Runs
import Testing
import NumCore
import Datasets
@testable import Sampling

@Test func sharedPoolWrapperAddsUniformNegativesToDNS() {
    let ctx = makeContext([[0], [1]], numItems: 60)
    let s = SharedPoolSampler(DynamicSampler(context: ctx, candidates: 8, perPositive: 2), context: ctx, shared: 10)
    #expect(s.kind == .dns && s.needsScorer)
    var rng = RandomSource(seed: 8)
    let n = s.sample(BatchRequest(users: [0, 1], positives: [3, 4]), scorer: IdentityScorer(), rng: &rng)
    #expect(n.perPositiveCount == 2 && n.perPositive.count == 4)
    #expect(n.shared.count == 10 && Set(n.shared).count == 10 && n.sharedLogQ.isEmpty)
    #expect(n.realPerPositive == 12)
}
