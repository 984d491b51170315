import Foundation
import Runs
import Testing
import NumCore
import Datasets
@testable import Sampling

@Test func popularitySamplerCarriesLogOfItsProposal() {
    // Item counts: item 0 seen 3 times, item 1 once, item 2 never (weight of 0.5).
    let ctx = makeContext([[0, 1], [0], [0]], numItems: 3)
    let s = PopularitySampler(context: ctx, alpha: 1, shared: 500, perPositive: 2)
    var rng = RandomSource(seed: 1)
    let n = s.sample(BatchRequest(users: [0, 1], positives: [0, 1]), scorer: nil, rng: &rng)
    #expect(n.shared.count == 500 && n.perPositive.count == 4 && n.perPositiveCount == 2)
    let expected: [Float] = [log(3 / 4.5), log(1 / 4.5), log(0.5 / 4.5)]
    for (item, q) in zip(n.shared, n.sharedLogQ) { #expect(abs(q - expected[Int(item)]) < 1e-5) }
    let share0 = Double(n.shared.filter { $0 == 0 }.count) / 500
    #expect(abs(share0 - 3 / 4.5) < 0.08)
}
