import Foundation
import Runs
import Testing
import NumCore
import Datasets
@testable import Sampling

@Test func aliasTableDrawsInProportionToWeights() {
    let t = AliasTable(weights: [1, 0, 3, 6])
    var rng = RandomSource(seed: 4)
    var counts = [Int](repeating: 0, count: 4)
    for _ in 0..<40_000 { counts[Int(t.draw(&rng))] += 1 }
    #expect(counts[1] == 0)
    for (i, w) in [0.1, 0.0, 0.3, 0.6].enumerated() {
        #expect(abs(Double(counts[i]) / 40_000 - w) < 0.01, "outcome \(i): \(counts[i])")
    }
}
