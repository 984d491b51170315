import Foundation
import Runs
import Testing
import NumCore
import Datasets
@testable import Sampling

@Test func mixGCFRecipesMixThePositiveIntoKeptCandidates() {
    let ctx = makeContext([[0], [1]], numItems: 30)
    let s = MixGCFSampler(context: ctx, candidates: 6, perPositive: 2)
    var rng = RandomSource(seed: 5)
    let n = s.sample(BatchRequest(users: [0, 1], positives: [4, 5]), scorer: IdentityScorer(), rng: &rng)
    let r = try! #require(n.virtual)
    #expect(r.perRow == 2 && r.count == 4 && r.detachPositive)
    for v in 0..<r.count {
        let terms = Int(r.termStart[v])..<Int(r.termStart[v + 1])
        #expect(terms.count == 2)
        #expect(r.termSource[terms.lowerBound] == -1)
        #expect(r.termSource[terms.lowerBound + 1] == Int32(v % 2))
        let w = terms.map { r.termWeight[$0] }
        #expect(abs(w.reduce(0, +) - 1) < 1e-6 && w.allSatisfy { $0 >= 0 && $0 <= 1 })
    }
}
