import Foundation
import Runs
import Testing
import NumCore
import Datasets
@testable import Sampling

private func makeContext(_ lists: [[Int32]], numItems: Int) -> SamplingContext {
    SamplingContext(train: Interactions(numUsers: lists.count, numItems: numItems, lists: lists))
}

/// Scores item i as `Float(i)` for every row: the hardest candidates are the largest ids.
private struct IdentityScorer: CandidateScorer {
    func scores(candidates: [Int32], perRow: Int) -> [Float] { candidates.map { Float($0) } }
}

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

@Suite struct ESANSSamplerTests {
    // 40 items: primary = i / 10 (4 clusters), secondary = i % 2.
    let primary = (0..<40).map { Int32($0 / 10) }
    let secondary = (0..<40).map { Int32($0 % 2) }
    let ctx = makeContext([[1, 2, 3], [11, 12], [25], [30, 31, 32]], numItems: 40)
    let batch = BatchRequest(users: [0, 1, 2, 3, 0], positives: [4, 13, 26, 33, 0])
    /// The paper's ESANS: 3 hard + 4 easy (the tests below index negatives by it), EDIS on.
    static let threeFour: ESANSSampler.Config = { var c = ESANSSampler.Config(); c.hard = 3; c.easy = 4; c.edis = true; return c }()

    @Test func hardAndEasyNegativesFollowTheClusters() {
        let s = ESANSSampler(context: ctx, primary: primary, secondary: secondary, centroidDistances: nil, config: Self.threeFour)
        var rng = RandomSource(seed: 9)
        for _ in 0..<50 {
            let n = s.sample(batch, scorer: nil, rng: &rng)
            let M = 7
            #expect(n.perPositiveCount == M && n.perPositive.count == batch.count * M)
            for b in 0..<batch.count {
                let pos = Int(batch.positives[b]), user = Int(batch.users[b])
                for m in 0..<M {
                    let it = n.perPositive[b * M + m]
                    #expect(it != batch.positives[b])
                    #expect(!ctx.train.contains(user: user, item: it), "a training item of the user was sampled")
                    #expect(!(primary[Int(it)] == primary[pos] && secondary[Int(it)] == secondary[pos]), "own cell sampled")
                    if m < 3 { #expect(primary[Int(it)] == primary[pos]) } else { #expect(primary[Int(it)] != primary[pos]) }
                }
            }
        }
    }

    @Test func virtualNegativeCountsFollowTheEDISFormula() {
        var c = Self.threeFour
        #expect(ESANSSampler.virtualCount(c) == (4 + 2) * (4 - 1) / 2 + 3)
        c.hardInterpolation = false
        #expect(ESANSSampler.virtualCount(c) == 9)
        c.edis = false
        #expect(ESANSSampler.virtualCount(c) == 0)
        let s = ESANSSampler(context: ctx, primary: primary, secondary: secondary, centroidDistances: nil, config: Self.threeFour)
        var rng = RandomSource(seed: 1)
        let r = try! #require(s.sample(batch, scorer: nil, rng: &rng).virtual)
        #expect(r.perRow == 12 && r.count == 12 * batch.count)
        for v in 0..<r.count {
            let terms = Int(r.termStart[v])..<Int(r.termStart[v + 1])
            let w = terms.map { r.termWeight[$0] }
            #expect(abs(w.reduce(0, +) - 1) < 1e-5)
            if v % 12 < 9 {
                // Simple interpolation: 2...4 distinct easy negatives (sources 3..<7).
                let src = terms.map { r.termSource[$0] }
                #expect(Set(src).count == src.count && src.allSatisfy { $0 >= 3 && $0 < 7 })
            } else {
                #expect(r.termSource[terms.lowerBound] == -1 && abs(w[0] - 0.1) < 1e-6)
            }
        }
    }

    @Test func closerPrimaryClustersGiveMoreEasyNegatives() {
        let d = Matrix(rows: 4, cols: 4, values: [0, 0.1, 5, 5,  0.1, 0, 5, 5,  5, 5, 0, 5,  5, 5, 5, 0])
        var c = Self.threeFour
        c.clusterTemperature = 0.5
        let s = ESANSSampler(context: ctx, primary: primary, secondary: secondary, centroidDistances: d, config: c)
        var rng = RandomSource(seed: 2)
        var fromCluster1 = 0, total = 0
        for _ in 0..<200 {
            let n = s.sample(BatchRequest(users: [0], positives: [4]), scorer: nil, rng: &rng)
            for m in 3..<7 { total += 1; if primary[Int(n.perPositive[m])] == 1 { fromCluster1 += 1 } }
        }
        #expect(Double(fromCluster1) / Double(total) > 0.95)
    }

    @Test func logQIsTheEmpiricalDrawProbability() {
        let d = Matrix(rows: 4, cols: 4, values: [0, 0.1, 2, 3,  0.1, 0, 2, 2,  2, 2, 0, 2,  3, 2, 2, 0])
        var c = Self.threeFour
        // A user without training items, so no draw is rejected.
        let free = makeContext([[], [1]], numItems: 40)
        let s = ESANSSampler(context: free, primary: primary, secondary: secondary, centroidDistances: d, config: c)
        var rng = RandomSource(seed: 4)
        var counts = [Int](repeating: 0, count: 40), logQ = [Float](repeating: .nan, count: 40)
        let rounds = 20_000
        for _ in 0..<rounds {
            let n = s.sample(BatchRequest(users: [0], positives: [4]), scorer: nil, rng: &rng)
            #expect(n.perPositiveLogQ.count == 7)
            for (item, q) in zip(n.perPositive, n.perPositiveLogQ) { counts[Int(item)] += 1; logQ[Int(item)] = q }
        }
        // Hard set: cluster 0 minus the cell of even items = 5 items, 3 of 7 draws.
        #expect(abs(logQ[1] - Float(log(40 * 3.0 / 7 / 5))) < 1e-5)
        for item in 0..<40 where counts[item] > 0 {
            let empirical = Double(counts[item]) / Double(rounds * 7)
            let q = exp(Double(logQ[item])) / 40
            #expect(abs(empirical - q) < 0.1 * q + 0.0005, "item \(item): \(empirical) drawn vs q \(q)")
        }
        #expect(counts[0] == 0 && counts[2] == 0, "own cell sampled")
    }

    @Test func primaryOnlyDrawsHardNegativesFromTheWholeCluster() {
        var c = Self.threeFour
        c.useSecondary = false
        let s = ESANSSampler(context: ctx, primary: primary, secondary: secondary, centroidDistances: nil, config: c)
        var rng = RandomSource(seed: 3)
        var sameSecondary = 0
        for _ in 0..<100 {
            let n = s.sample(BatchRequest(users: [2], positives: [26]), scorer: nil, rng: &rng)
            for m in 0..<3 { #expect(primary[Int(n.perPositive[m])] == 2); if n.perPositive[m] % 2 == 0 { sameSecondary += 1 } }
        }
        #expect(sameSecondary > 50, "primary-only sampling should reach the positive's own secondary cell")
    }
}

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

@Test func esansBatchesAreReproducibleAndDeclareFilteredNegatives() {
    let primary = (0..<40).map { Int32($0 / 10) }, secondary = (0..<40).map { Int32($0 % 2) }
    let ctx = makeContext([[1, 2, 3], [11, 12], [25], [30, 31, 32]], numItems: 40)
    var c = ESANSSampler.Config()
    c.edis = true
    let s = ESANSSampler(context: ctx, primary: primary, secondary: secondary, centroidDistances: nil, config: c)
    let batch = BatchRequest(users: [0, 1, 2, 3, 0, 1, 2, 3], positives: [4, 13, 26, 33, 0, 14, 27, 34])
    var r1 = RandomSource(seed: 21), r2 = RandomSource(seed: 21)
    let a = s.sample(batch, scorer: nil, rng: &r1), b = s.sample(batch, scorer: nil, rng: &r2)
    #expect(a.perPositive == b.perPositive)
    #expect(a.virtual?.termWeight == b.virtual?.termWeight && a.virtual?.termSource == b.virtual?.termSource)
    #expect(a.perPositiveFiltered, "ESANS negatives exclude the positive and the user's training items")
    #expect(a.virtual?.count == batch.count * ESANSSampler.virtualCount(c))
}

@Test func virtualRecipesAppendKeepsTermOffsets() {
    var a = VirtualRecipes(perRow: 1)
    a.add([(source: 0, weight: 1)])
    var b = VirtualRecipes(perRow: 1)
    b.add([(source: 1, weight: 0.5), (source: -1, weight: 0.5)])
    a.append(b)
    #expect(a.count == 2 && a.termStart == [0, 1, 3] && a.termSource == [0, 1, -1] && a.termWeight == [1, 0.5, 0.5])
}
