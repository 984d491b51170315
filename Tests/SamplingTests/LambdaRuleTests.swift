import Foundation
import Runs
import Testing
import NumCore
import Datasets
@testable import Sampling

/// Scores the positive (first candidate of each row) 0.9 and item i 0.1 * (i % 5) otherwise.
private struct PairScorer: CandidateScorer {
    func scores(candidates: [Int32], perRow: Int) -> [Float] {
        candidates.indices.map { k in k % perRow == 0 ? 0.9 : 0.1 * Float(Int(candidates[k]) % 5) }
    }
}

@Test func semihardLambdaPutsTheMixTheMarginBelowThePositive() {
    for (sp, sh, margin) in [(Float(0.8), Float(0.1), Float(0.5)), (0.6, -0.2, 0.5), (0.3, -0.1, 0.25)] {
        let l = LambdaRule.semihardLambda(positive: sp, hard: sh, margin: margin)
        #expect(l > 0 && l < 0.5)
        #expect(abs(l * sp + (1 - l) * sh - (sp - margin)) < 1e-5, "mix score for (\(sp), \(sh), \(margin))")
    }
    // Already within the margin, or above the positive: no mixing.
    #expect(LambdaRule.semihardLambda(positive: 0.5, hard: 0.4, margin: 0.2) == 0)
    #expect(LambdaRule.semihardLambda(positive: 0.2, hard: 0.6, margin: 0.2) == 0)
    // Far apart: clamped to 0.5.
    #expect(LambdaRule.semihardLambda(positive: 0.9, hard: -0.9, margin: 0.2) == 0.5)
}

@Test func semihardRuleSetsEachHardMixFromTheModelsScores() throws {
    let primary = (0..<40).map { Int32($0 / 10) }, secondary = (0..<40).map { Int32($0 % 2) }
    let ctx = SamplingContext(train: Interactions(numUsers: 4, numItems: 40, lists: [[1, 2, 3], [11, 12], [25], [30, 31, 32]]))
    let batch = BatchRequest(users: [0, 1, 2, 3, 0], positives: [4, 13, 26, 33, 0])
    var c = ESANSConfig.paperDraws
    c.hard = 3; c.easy = 4; c.edis = true; c.lambdaRule = .semihard; c.lambdaMargin = 0.5
    let s = ESANSSampler(context: ctx, ids: semanticIDs(primary, secondary), centroidDistances: nil, config: c)
    #expect(s.needsScorer)
    var rng = RandomSource(seed: 3)
    var seen = Set<Float>()
    for _ in 0..<20 {
        let n = s.sample(batch, scorer: PairScorer(), rng: &rng)
        let r = try #require(n.virtual)
        let V = ESANSSampler.virtualCount(c), M = 7
        for b in 0..<batch.count {
            for h in 0..<3 {
                let v = b * V + V - 3 + h
                let lo = Int(r.termStart[v])
                #expect(r.termSource[lo] == -1 && r.termSource[lo + 1] == Int32(h))
                let hardScore = 0.1 * Float(Int(n.perPositive[b * M + h]) % 5)
                let expected = LambdaRule.semihardLambda(positive: 0.9, hard: hardScore, margin: 0.5)
                #expect(abs(r.termWeight[lo] - expected) < 1e-6)
                #expect(abs(r.termWeight[lo + 1] - (1 - expected)) < 1e-6)
                seen.insert(r.termWeight[lo])
            }
        }
    }
    #expect(seen.count >= 3, "the rule should give different lambdas for different pairs: \(seen)")
    // The fixed rule needs no scorer and keeps --lambda.
    c.lambdaRule = .fixed
    let fixed = ESANSSampler(context: ctx, ids: semanticIDs(primary, secondary), centroidDistances: nil, config: c)
    #expect(!fixed.needsScorer)
    let n = fixed.sample(batch, scorer: nil, rng: &rng)
    let r = try #require(n.virtual)
    let lo = Int(r.termStart[ESANSSampler.virtualCount(c) - 1])
    #expect(r.termWeight[lo] == c.lambda)
}

@Test func lambdaRuleRoundTripsAndOldConfigsDecode() throws {
    var c = ESANSConfig.paperDraws
    c.lambdaRule = .semihard; c.lambdaMargin = 0.3
    let back = try JSONDecoder().decode(ESANSConfig.self, from: JSONEncoder().encode(c))
    #expect(back == c)
    let old = try JSONDecoder().decode(ESANSConfig.self, from: Data(#"{"hard":1,"easy":6,"lambda":0.2}"#.utf8))
    #expect(old.lambdaRule == .fixed && old.lambda == 0.2)
    #expect(throws: DecodingError.self) { try JSONDecoder().decode(ESANSConfig.self, from: Data(#"{"lambdaRule":"soft"}"#.utf8)) }
}
