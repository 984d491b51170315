import Foundation
import Runs
import Testing
import NumCore
@testable import Sampling

/// EDIS's recipes on their own: layout, anchors, lambdas.
@Suite struct EDISRecipesTests {
    static func config(hard: Int = 2, easy: Int = 4, edis: Bool = true) -> ESANSConfig {
        var c = ESANSConfig.paperDraws
        c.hard = hard; c.easy = easy; c.edis = edis; c.lambda = 0.25
        return c
    }

    /// One row's recipes as (sources, weights) per vector.
    func vectors(_ r: EDISRecipes, row: Int, easyClusters: [Int32], lambdas: [Float]? = nil, seed: UInt64 = 1) -> [(sources: [Int32], weights: [Float])] {
        var out = r.rows(capacity: 1), rng = RandomSource(seed: seed)
        let scratch = EDISRecipes.Scratch(easy: r.easy)
        r.append(row: row, easyClusters: easyClusters[...], hardLambdas: lambdas, to: &out, scratch: scratch, rng: &rng)
        let starts = out.starts.map { Int($0) - row * r.termsPerRow } + [out.sources.count]
        return (0..<out.starts.count).map { v in (Array(out.sources[starts[v]..<starts[v + 1]]), Array(out.weights[starts[v]..<starts[v + 1]])) }
    }

    @Test func everyRowHasTheConfiguredVectorsAndTerms() {
        let c = Self.config()
        let r = EDISRecipes(config: c)
        #expect(r.perRow == (4 + 2) * (4 - 1) / 2 + 2 && r.perRow == c.virtualPerPositive && r.termsPerRow == c.virtualTerms)
        let v = vectors(r, row: 3, easyClusters: [1, 2, 3, 1])
        #expect(v.count == r.perRow && v.map(\.sources.count).reduce(0, +) == r.termsPerRow)
        // For k = 2, 3, 4: k mixes of k distinct easy negatives (sources 2..<6), weights summing to 1.
        #expect(v.prefix(9).map(\.sources.count) == [2, 2, 3, 3, 3, 4, 4, 4, 4])
        for (sources, weights) in v.prefix(9) {
            #expect(Set(sources).count == sources.count && sources.allSatisfy { $0 >= 2 && $0 < 6 })
            #expect(abs(weights.reduce(0, +) - 1) < 1e-5 && weights.allSatisfy { $0 >= 0 })
        }
        // The hard mixes: the positive (-1) with each hard negative, at the fixed lambda.
        #expect(v.suffix(2).map(\.sources) == [[-1, 0], [-1, 1]])
        #expect(v.suffix(2).allSatisfy { $0.weights == [0.25, 0.75] })
    }

    @Test func anchorsComeFromOneClusterWhenTheRowHasEnoughThere() {
        let r = EDISRecipes(config: Self.config(hard: 1, easy: 4))
        // Easy negatives 0, 1, 3 (sources 1, 2, 4) share cluster 7: mixes of 2 and 3 stay in it.
        for seed in 1...20 {
            let v = vectors(r, row: 0, easyClusters: [7, 7, 5, 7], seed: UInt64(seed))
            for (sources, _) in v.prefix(5) { #expect(sources.allSatisfy { [1, 2, 4].contains($0) }, "\(sources)") }
            #expect(Set(v[5].sources) == [1, 2, 3, 4])
        }
    }

    @Test func rowsBringTheirOwnLambdas() {
        let r = EDISRecipes(config: Self.config())
        let v = vectors(r, row: 0, easyClusters: [0, 1, 2, 3], lambdas: [0.5, 0])
        #expect(v.suffix(2).map(\.weights) == [[0.5, 0.5], [0, 1]])
    }

    @Test func termsAreNumberedBatchWideAndEDISOffMakesNone() throws {
        let r = EDISRecipes(config: Self.config(hard: 1, easy: 2))
        var first = r.rows(capacity: 2), second = r.rows(capacity: 1)
        let scratch = EDISRecipes.Scratch(easy: 2)
        var rng = RandomSource(seed: 2)
        for b in 0..<2 { r.append(row: b, easyClusters: [0, 1], hardLambdas: nil, to: &first, scratch: scratch, rng: &rng) }
        r.append(row: 2, easyClusters: [0, 1], hardLambdas: nil, to: &second, scratch: scratch, rng: &rng)
        let batch = try #require(r.batch([first, second], rows: 3))
        #expect(batch.perRow == 3 && batch.count == 9 && batch.termStart == [0, 2, 4, 6, 8, 10, 12, 14, 16, 18])
        let off = EDISRecipes(config: Self.config(edis: false))
        var none = off.rows(capacity: 1)
        off.append(row: 0, easyClusters: [0, 1, 2, 3], hardLambdas: nil, to: &none, scratch: scratch, rng: &rng)
        #expect(none.starts.isEmpty && none.sources.isEmpty && off.batch([none], rows: 1) == nil)
    }
}
