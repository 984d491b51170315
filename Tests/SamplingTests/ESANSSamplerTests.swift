import Foundation
import Runs
import Testing
import NumCore
import Datasets
@testable import Sampling

/// ESANS keeping the hardest of several MSAC candidates per negative.
@Suite struct ESANSCandidateTests {
    // 200 items: primary = i / 50 (4 clusters), secondary = i % 4.
    let primary = (0..<200).map { Int32($0 / 50) }
    let secondary = (0..<200).map { Int32($0 % 4) }
    let ctx = SamplingContext(train: Interactions(numUsers: 3, numItems: 200, lists: [[1, 2], [60], [150, 151]]))
    let batch = BatchRequest(users: [0, 1, 2, 0], positives: [5, 61, 152, 40])

    /// Mean item id kept in the hard and in the easy slots, whether the batches carry logQ,
    /// and whether every scored slot's logQ is 0 while some unscored slot's is not.
    func meanIDs(hardCandidates: Int, easyCandidates: Int) -> (hard: Double, easy: Double, logQ: Bool, scoredAtZero: Bool) {
        var c = ESANSConfig.paperDraws
        c.hard = 2; c.easy = 3; c.hardCandidates = hardCandidates; c.easyCandidates = easyCandidates; c.candidateSelection = .hardest
        let s = ESANSSampler(context: ctx, ids: semanticIDs(primary, secondary), centroidDistances: nil, config: c)
        #expect(s.needsScorer == (hardCandidates > 1 || easyCandidates > 1))
        var rng = RandomSource(seed: 5)
        var hard = 0.0, easy = 0.0, n = 0, logQ = false, scoredNonzero = false, unscoredNonzero = false
        for _ in 0..<200 {
            let out = s.sample(batch, scorer: IdentityScorer(), rng: &rng)
            logQ = logQ || !out.perPositiveLogQ.isEmpty
            for (k, q) in out.perPositiveLogQ.enumerated() where q != 0 {
                if (k % 5 < 2 ? hardCandidates : easyCandidates) > 1 { scoredNonzero = true } else { unscoredNonzero = true }
            }
            for b in 0..<batch.count {
                let pos = Int(batch.positives[b])
                for m in 0..<5 {
                    let it = Int(out.perPositive[b * 5 + m])
                    // Still MSAC's negatives: hard ones in the positive's primary cluster, never its own cell.
                    #expect(!(primary[it] == primary[pos] && secondary[it] == secondary[pos]))
                    if m < 2 { #expect(primary[it] == primary[pos]); hard += Double(it) } else { #expect(primary[it] != primary[pos]); easy += Double(it) }
                }
                n += 1
            }
        }
        return (hard / Double(2 * n), easy / Double(3 * n), logQ, !scoredNonzero && unscoredNonzero)
    }

    @Test func keepingTheHardestRaisesTheScoresAndDropsLogQ() {
        let plain = meanIDs(hardCandidates: 1, easyCandidates: 1)
        let hard4 = meanIDs(hardCandidates: 4, easyCandidates: 1)
        let both4 = meanIDs(hardCandidates: 4, easyCandidates: 4)
        #expect(plain.logQ && !both4.logQ, "a model-dependent proposal has no logQ")
        // Scored hard slots get 0 (a uniform draw's value); the unscored easy ones keep theirs.
        #expect(hard4.logQ && hard4.scoredAtZero)
        // Within a 50-item cluster the best of 4 uniform draws sits well above a single draw's mean.
        #expect(hard4.hard > plain.hard + 8, "hard: \(hard4.hard) vs \(plain.hard)")
        #expect(abs(hard4.easy - plain.easy) < 6, "easy slots unchanged: \(hard4.easy) vs \(plain.easy)")
        #expect(both4.easy > plain.easy + 15, "easy: \(both4.easy) vs \(plain.easy)")
    }
}

/// `--easy-proposal`: the paper's per-cluster draw over-samples the items of small clusters;
/// the per-item draw weighs each cluster by its size, so that (with equal cluster weights) every
/// item outside the positive's cluster is equally likely, and logQ follows each draw.
@Suite struct EasyProposalTests {
    // Cluster 0: items 0..<10 (the positives' cluster), cluster 1: 10..<50, cluster 2: 50..<200.
    let primary = (0..<200).map { Int32($0 < 10 ? 0 : $0 < 50 ? 1 : 2) }
    let secondary = (0..<200).map { Int32($0 % 2) }

    /// Easy draws per item of clusters 1 and 2 (per item: draws / cluster size), and the logQ
    /// of a negative in each cluster.
    func perItemRates(_ proposal: EasyProposal) -> (small: Double, large: Double, logQSmall: Float, logQLarge: Float) {
        let ctx = SamplingContext(train: Interactions(numUsers: 2, numItems: 200, lists: [[1], [2]]))
        var c = ESANSConfig.paperDraws
        c.hard = 0; c.easy = 4; c.easyProposal = proposal
        let s = ESANSSampler(context: ctx, ids: semanticIDs(primary, secondary), centroidDistances: nil, config: c)
        let batch = BatchRequest(users: [0, 1], positives: [3, 4])
        var rng = RandomSource(seed: 11)
        var small = 0.0, large = 0.0, logQ: [Int: Float] = [:]
        for _ in 0..<4000 {
            let out = s.sample(batch, scorer: nil, rng: &rng)
            for (k, it) in out.perPositive.enumerated() {
                let cluster = Int(primary[Int(it)])
                #expect(cluster != 0, "an easy negative never comes from the positive's cluster")
                if cluster == 1 { small += 1 } else { large += 1 }
                logQ[cluster] = out.perPositiveLogQ[k]
            }
        }
        return (small / 40, large / 150, logQ[1] ?? .nan, logQ[2] ?? .nan)
    }

    @Test func thePerItemDrawIsUniformOverItemsAndThePaperDrawIsNot() {
        let paper = perItemRates(.cluster), item = perItemRates(.item)
        // Per cluster: half the draws each, so an item of the 40-item cluster is drawn 150/40 times
        // as often as one of the 150-item cluster.
        #expect(abs(paper.small / paper.large - 150.0 / 40.0) < 0.3, "\(paper)")
        #expect(abs(item.small / item.large - 1) < 0.08, "\(item)")
        // logQ is log(n q): the rarer draw has the lower log-probability.
        #expect(paper.logQSmall > paper.logQLarge)
        #expect(abs(item.logQSmall - item.logQLarge) < 1e-5)
    }
}

/// `--easy-proposal popularity`: inside the other clusters an item is drawn in proportion to
/// its training frequency^0.75, clusters in proportion to their items' summed weights, and logQ
/// follows each item's own probability.
@Suite struct PopularityEasyProposalTests {
    @Test func drawsFollowFrequencyToThe075AndLogQFollowsTheDraws() {
        // Cluster 0: items 0..<10 (the positives'), cluster 1: 10..<50, cluster 2: 50..<200.
        let primary = (0..<200).map { Int32($0 < 10 ? 0 : $0 < 50 ? 1 : 2) }, secondary = (0..<200).map { Int32($0 % 2) }
        // Item 12 is seen 4 times and item 60 once in training (users 0-3); users 4 and 5 ask.
        let lists: [[Int32]] = [[12, 60], [12], [12], [12], [1], [2]]
        let ctx = SamplingContext(train: Interactions(numUsers: 6, numItems: 200, lists: lists))
        var c = ESANSConfig.paperDraws
        c.hard = 0; c.easy = 4; c.easyProposal = .popularity
        let s = ESANSSampler(context: ctx, ids: semanticIDs(primary, secondary), centroidDistances: nil, config: c)
        let batch = BatchRequest(users: [4, 5], positives: [3, 4])
        var rng = RandomSource(seed: 13)
        var count = [Double](repeating: 0, count: 200), logQ = [Float](repeating: .nan, count: 200)
        for _ in 0..<6000 {
            let out = s.sample(batch, scorer: nil, rng: &rng)
            for (k, it) in out.perPositive.enumerated() {
                #expect(primary[Int(it)] != 0, "never the positive's cluster")
                count[Int(it)] += 1
                logQ[Int(it)] = out.perPositiveLogQ[k]
            }
        }
        let unseen = pow(0.5, 0.75)
        let rest1 = (13..<50).map { count[$0] }.reduce(0, +) / 37, rest2 = (61..<200).map { count[$0] }.reduce(0, +) / 139
        // Per item: (4 / 0.5)^0.75 = 4.76 and (1 / 0.5)^0.75 = 1.68 times an unseen item's rate.
        #expect(abs(count[12] / rest1 - pow(8, 0.75)) < 0.35, "\(count[12] / rest1)")
        #expect(abs(count[60] / rest2 - pow(2, 0.75)) < 0.2, "\(count[60] / rest2)")
        #expect(abs(rest1 / rest2 - 1) < 0.06, "unseen items are equally likely in either cluster")
        // Clusters in proportion to their summed weights.
        let mass1 = 39 * unseen + pow(4, 0.75), mass2 = 149 * unseen + 1
        let drawn1 = (10..<50).map { count[$0] }.reduce(0, +), drawn2 = (50..<200).map { count[$0] }.reduce(0, +)
        #expect(abs(drawn1 / drawn2 - mass1 / mass2) < 0.02, "\(drawn1 / drawn2) vs \(mass1 / mass2)")
        // logQ = log(n q_j): n = 200, q_j = w_j / (mass1 + mass2) with equal cluster weights.
        #expect(abs(Double(logQ[12]) - log(200 * pow(4, 0.75) / (mass1 + mass2))) < 1e-4, "\(logQ[12])")
        #expect(abs(Double(logQ[13]) - log(200 * unseen / (mass1 + mass2))) < 1e-4)
        #expect(abs(Double(logQ[60] - logQ[61]) - 0.75 * log(2.0)) < 1e-4)
    }
}

/// ESANS runs on the worker pool its caller passes, and its batches do not depend on it.
@Suite struct ESANSWorkerPoolTests {
    /// Fixed lambda, semi-hard lambda (scored pairs), the hardest of several candidates, and
    /// several candidates resampled (which draws from each row's stream).
    enum Variant: Sendable { case fixed, semihard, candidates, resampled }

    @Test(arguments: [Variant.fixed, .semihard, .candidates, .resampled])
    func theSameBatchOnOneOrThreeWorkers(_ variant: Variant) {
        let primary = (0..<120).map { Int32($0 / 20) }, secondary = (0..<120).map { Int32($0 % 4) }
        let ctx = SamplingContext(train: Interactions(numUsers: 5, numItems: 120, lists: [[1, 2], [30], [], [61, 62, 99], [119]]))
        var c = ESANSConfig.paperDraws
        c.hard = 2; c.easy = 4; c.edis = true
        if variant == .semihard { c.lambdaRule = .semihard }
        if variant == .candidates || variant == .resampled { c.hardCandidates = 3; c.easyCandidates = 2 }
        c.candidateSelection = variant == .resampled ? .resample : .hardest
        let s = ESANSSampler(context: ctx, ids: semanticIDs(primary, secondary), centroidDistances: nil, config: c, sharedUniform: 5,
                             logitScale: 5)
        let batch = BatchRequest(users: (0..<37).map { Int32($0 % 5) }, positives: (0..<37).map { Int32(($0 * 7) % 120) })
        let one = WorkerPool(threads: 1), three = WorkerPool(threads: 3)
        var r1 = RandomSource(seed: 9), r3 = RandomSource(seed: 9)
        let a = s.sample(batch, scorer: PositionScorer(), pool: one, rng: &r1)
        let b = s.sample(batch, scorer: PositionScorer(), pool: three, rng: &r3)
        #expect(r1.next() == r3.next(), "the caller's generator advances alike")
        #expect(a.shared == b.shared && a.perPositive == b.perPositive && a.perPositiveLogQ == b.perPositiveLogQ)
        #expect(a.perPositiveLogQ.isEmpty == (variant == .candidates) && a.perPositive.count == 37 * 6)
        #expect(a.virtual?.termStart == b.virtual?.termStart && a.virtual?.termSource == b.virtual?.termSource)
        #expect(a.virtual?.termWeight == b.virtual?.termWeight && a.virtual?.count == 37 * c.virtualPerPositive)
    }
}

/// Scores a candidate by its item id and place in the row, so that every slot has a clear best.
private struct PositionScorer: CandidateScorer {
    func scores(candidates: [Int32], perRow: Int) -> [Float] {
        candidates.indices.map { k in k % perRow == 0 ? 1 : Float(candidates[k] % 13) / 13 - 0.5 }
    }
}

@Suite struct ESANSSamplerTests {
    // 40 items: primary = i / 10 (4 clusters), secondary = i % 2.
    let primary = (0..<40).map { Int32($0 / 10) }
    let secondary = (0..<40).map { Int32($0 % 2) }
    let ctx = makeContext([[1, 2, 3], [11, 12], [25], [30, 31, 32]], numItems: 40)
    let batch = BatchRequest(users: [0, 1, 2, 3, 0], positives: [4, 13, 26, 33, 0])
    /// The paper's ESANS: 3 hard + 4 easy (the tests below index negatives by it), EDIS on.
    static let threeFour: ESANSSampler.Config = { var c = ESANSConfig.paperDraws; c.hard = 3; c.easy = 4; c.edis = true; return c }()

    @Test func hardAndEasyNegativesFollowTheClusters() {
        let s = ESANSSampler(context: ctx, ids: semanticIDs(primary, secondary), centroidDistances: nil, config: Self.threeFour)
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
        let s = ESANSSampler(context: ctx, ids: semanticIDs(primary, secondary), centroidDistances: nil, config: Self.threeFour)
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
        let s = ESANSSampler(context: ctx, ids: semanticIDs(primary, secondary), centroidDistances: d, config: c)
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
        let c = Self.threeFour
        // A user without training items, so no draw is rejected.
        let free = makeContext([[], [1]], numItems: 40)
        let s = ESANSSampler(context: free, ids: semanticIDs(primary, secondary), centroidDistances: d, config: c)
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
        let s = ESANSSampler(context: ctx, ids: semanticIDs(primary, secondary), centroidDistances: nil, config: c)
        var rng = RandomSource(seed: 3)
        var sameSecondary = 0
        for _ in 0..<100 {
            let n = s.sample(BatchRequest(users: [2], positives: [26]), scorer: nil, rng: &rng)
            for m in 0..<3 { #expect(primary[Int(n.perPositive[m])] == 2); if n.perPositive[m] % 2 == 0 { sameSecondary += 1 } }
        }
        #expect(sameSecondary > 50, "primary-only sampling should reach the positive's own secondary cell")
    }
}

@Test func esansBatchesAreReproducibleAndDeclareFilteredNegatives() {
    let primary = (0..<40).map { Int32($0 / 10) }, secondary = (0..<40).map { Int32($0 % 2) }
    let ctx = makeContext([[1, 2, 3], [11, 12], [25], [30, 31, 32]], numItems: 40)
    var c = ESANSConfig.paperDraws
    c.edis = true
    let s = ESANSSampler(context: ctx, ids: semanticIDs(primary, secondary), centroidDistances: nil, config: c)
    let batch = BatchRequest(users: [0, 1, 2, 3, 0, 1, 2, 3], positives: [4, 13, 26, 33, 0, 14, 27, 34])
    var r1 = RandomSource(seed: 21), r2 = RandomSource(seed: 21)
    let a = s.sample(batch, scorer: nil, rng: &r1), b = s.sample(batch, scorer: nil, rng: &r2)
    #expect(a.perPositive == b.perPositive)
    #expect(a.virtual?.termWeight == b.virtual?.termWeight && a.virtual?.termSource == b.virtual?.termSource)
    #expect(a.perPositiveFiltered, "ESANS negatives exclude the positive and the user's training items")
    #expect(a.virtual?.count == batch.count * ESANSSampler.virtualCount(c))
}
