import Foundation
import Runs
import Testing
import NumCore
import Datasets
@testable import Sampling

@Test func dynamicSamplerKeepsTheHardestCandidates() {
    let ctx = makeContext([[0], [1]], numItems: 50)
    let s = DynamicSampler(context: ctx, candidates: 8, perPositive: 3)
    #expect(s.needsScorer)
    var rng = RandomSource(seed: 3)
    var replay = RandomSource(seed: 3)
    let batch = BatchRequest(users: [0, 1], positives: [10, 20])
    let n = s.sample(batch, scorer: IdentityScorer(), rng: &rng)
    // Re-draw the same candidate pool and check the kept ones are its largest ids.
    let pool = (0..<16).map { _ in Int32(replay.below(50)) }
    for b in 0..<2 {
        let cands = pool[(b * 8)..<(b * 8 + 8)].filter { $0 != batch.positives[b] }.sorted(by: >)
        #expect(Array(n.perPositive[(b * 3)..<(b * 3 + 3)]) == Array(cands.prefix(3)))
    }
}
