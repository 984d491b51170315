import Foundation
import Runs
import NumCore
import Datasets

/// ESANS (Xing et al., WWW 2025): MSAC-aware real negatives plus EDIS virtual negatives.
///
/// For a positive with semantic ID (p, s):
/// - `hard` negatives: uniform over items with primary p and secondary != s;
/// - `easy` negatives: a primary cluster q != p drawn with probability softmax(-dist(C_p, C_q) / T_c)
///   (uniform over q when no centroid distances are given), then an item uniformly in q;
/// - never an item of the positive's own cell (p, s) (likely false negatives) nor a training
///   item of the user.
/// EDIS (virtual negatives, built by the trainer from item-tower outputs):
/// - simple interpolation: for k = 2...easy, k convex combinations (Dirichlet(1) weights) of k
///   of the row's easy negatives, anchors from one primary cluster when the row has k of them
///   there, which gives (m_o + 2)(m_o - 1) / 2 vectors;
/// - hard interpolation: lambda * e_pos + (1 - lambda) * e_hard for each hard negative, with the
///   positive detached.
public final class ESANSSampler: NegativeSampler {
    /// Settings of the sampler and its ablations.
    public typealias Config = ESANSConfig

    public var kind: SamplerKind { .esans }
    /// The sampler scores with the model when it keeps the best of several candidates per
    /// negative, or sets lambda per pair (the `semihard` rule).
    public var needsScorer: Bool { config.hardCandidates > 1 || config.easyCandidates > 1 || config.scoresPairs }
    /// Whether negatives carry log q_j: not when the hardest of several candidates is kept (the
    /// proposal then depends on the model, as DNS's does).
    var usesLogQ: Bool { logQCorrection && config.hardCandidates <= 1 && config.easyCandidates <= 1 }
    /// Candidates drawn per row: `hardCandidates` for each hard slot, `easyCandidates` for each easy one.
    var candidatesPerRow: Int { config.hard * max(1, config.hardCandidates) + config.easy * max(1, config.easyCandidates) }
    /// Where negative slot `m`'s candidates lie in a row's candidates, and how many it has.
    @inline(__always) func slot(_ m: Int) -> (first: Int, count: Int) {
        let fh = max(1, config.hardCandidates), fe = max(1, config.easyCandidates)
        return m < config.hard ? (m * fh, fh) : (config.hard * fh + (m - config.hard) * fe, fe)
    }
    public let config: Config
    private let tables: SemanticClusterTables
    private let train: Interactions
    private let numItems: Int
    private let uniform: UniformSampler?
    private let logQHard: [Float], logQEasy: [Float]
    /// Whether each hard and easy negative carries log q_j, the log of its draw probability
    /// for this positive relative to a uniform draw (as for the other non-uniform samplers).
    public let logQCorrection: Bool

    /// A sampler over items with codes `primary[i]`, `secondary[i]` (one per item of the
    /// catalogue); `centroidDistances` is the `kp x kp` matrix of primary-centroid distances.
    /// `sharedUniform` uniform negatives are shared by each batch (the `production` regime).
    public init(context: SamplingContext, primary: [Int32], secondary: [Int32], centroidDistances: Matrix?, config: Config,
                sharedUniform: Int = 0, logQCorrection: Bool = true) {
        precondition(primary.count == context.numItems && secondary.count == context.numItems, "one semantic ID per item")
        self.config = config
        self.logQCorrection = logQCorrection
        tables = SemanticClusterTables(primary: primary, secondary: secondary, excludeOwnCell: config.useSecondary,
                                       centroidDistances: centroidDistances, temperature: config.clusterTemperature,
                                       sizeWeighted: config.easyProposal == .item)
        train = context.train
        numItems = context.numItems
        (logQHard, logQEasy) = Self.logProposalTables(tables, config, numItems: context.numItems)
        uniform = sharedUniform > 0 ? UniformSampler(context: context, shared: sharedUniform, perPositive: 0) : nil
    }

    /// Virtual negatives per row under `config` (``ESANSConfig/virtualPerPositive``).
    public static func virtualCount(_ c: Config) -> Int { c.virtualPerPositive }

    public func sample(_ batch: BatchRequest, scorer: CandidateScorer?, rng: inout RandomSource) -> NegativeBatch {
        let M = config.hard + config.easy, C = candidatesPerRow, V = Self.virtualCount(config), T = Self.virtualTerms(config)
        let B = batch.count
        var out = uniform?.sample(batch, scorer: nil, rng: &rng) ?? NegativeBatch()
        out.perPositiveCount = M
        // Rows are sampled in parallel, each from its own stream derived from one draw of `rng`,
        // so the result does not depend on how rows are split over threads. Every row has
        // exactly V virtual vectors of T terms in all, so rows write their recipes in place.
        let batchStream = RandomSource(seed: rng.next())
        let pool = WorkerPool.shared
        let chunks = max(1, min(B, 4 * pool.threadCount))
        let withLogQ = usesLogQ
        // Phase 1 draws each negative slot's candidates (slot-major, C per row), phase 2 scores them (when the
        // sampler keeps the hardest, or sets lambda from scores), phase 3 keeps one per slot and
        // writes the EDIS recipes, continuing each row's stream. The buffers become the arrays
        // of the result at the end.
        let candidates = UnsafeMutablePointer<Int32>.allocate(capacity: B * C)
        let candidateClusters = UnsafeMutablePointer<Int32>.allocate(capacity: B * C)
        let streams = UnsafeMutablePointer<RandomSource>.allocate(capacity: B)
        let negatives = UnsafeMutablePointer<Int32>.allocate(capacity: B * M)
        let logQ = UnsafeMutablePointer<Float>.allocate(capacity: withLogQ ? B * M : 0)
        let starts = UnsafeMutablePointer<Int32>.allocate(capacity: B * V + 1)
        let sources = UnsafeMutablePointer<Int32>.allocate(capacity: B * T), weights = UnsafeMutablePointer<Float>.allocate(capacity: B * T)
        let unfiltered = UnsafeMutablePointer<Bool>.allocate(capacity: chunks)
        defer {
            candidates.deallocate(); candidateClusters.deallocate(); streams.deallocate()
            negatives.deallocate(); logQ.deallocate(); starts.deallocate(); sources.deallocate(); weights.deallocate(); unfiltered.deallocate()
        }
        pool.parallelFor(chunks) { c in
            var filtered = true
            for b in (c * B / chunks)..<((c + 1) * B / chunks) {
                var r = batchStream.derived(UInt64(b))
                self.drawRow(user: Int(batch.users[b]), positive: batch.positives[b], into: candidates + b * C,
                             clusters: candidateClusters + b * C, filtered: &filtered, rng: &r)
                (streams + b).initialize(to: r)
            }
            unfiltered[c] = !filtered
        }
        // Scores of each row's positive and its candidates, [pos, candidates...] per row.
        let perRow = 1 + C
        var scores: [Float] = []
        if needsScorer, let scorer {
            var list = [Int32](repeating: 0, count: B * perRow)
            for b in 0..<B {
                list[b * perRow] = batch.positives[b]
                for j in 0..<C { list[b * perRow + 1 + j] = candidates[b * C + j] }
            }
            scores = scorer.scores(candidates: list, perRow: perRow)
        }
        pool.parallelFor(chunks) { c in
            var scratch = RowScratch(hard: self.config.hard, easy: self.config.easy)
            defer { scratch.release() }
            for b in (c * B / chunks)..<((c + 1) * B / chunks) {
                // The best-scoring candidate of each slot (the first when unscored).
                var chosenScore = [Float](repeating: 0, count: self.config.hard)
                for m in 0..<M {
                    let (first, count) = self.slot(m)
                    var best = first
                    if count > 1, !scores.isEmpty {
                        for j in (first + 1)..<(first + count) where scores[b * perRow + 1 + j] > scores[b * perRow + 1 + best] { best = j }
                    }
                    negatives[b * M + m] = candidates[b * C + best]
                    scratch.clusters[m] = candidateClusters[b * C + best]
                    if m < self.config.hard, !scores.isEmpty { chosenScore[m] = scores[b * perRow + 1 + best] }
                }
                var w = RecipeWriter(starts: starts + b * V, sources: sources + b * T, weights: weights + b * T, firstTerm: Int32(b * T))
                self.writeRecipes(into: &w, scratch: &scratch, rng: &streams[b])
                assert(w.vectors == V && w.terms == T, "recipe layout")
                if self.config.scoresPairs, !scores.isEmpty {
                    // The semi-hard lambda of each hard mix (its terms are the row's last 2 * hard).
                    let first = b * T + T - 2 * self.config.hard
                    for h in 0..<self.config.hard {
                        let lambda = LambdaRule.semihardLambda(positive: scores[b * perRow], hard: chosenScore[h], margin: self.config.lambdaMargin)
                        weights[first + 2 * h] = lambda
                        weights[first + 2 * h + 1] = 1 - lambda
                    }
                }
                if withLogQ { self.logProposal(positive: batch.positives[b], clusters: scratch.clusters, into: logQ + b * M) }
            }
        }
        streams.deinitialize(count: B)
        func array<T>(_ p: UnsafeMutablePointer<T>, _ n: Int) -> [T] { Array(UnsafeBufferPointer(start: p, count: n)) }
        if withLogQ { out.perPositiveLogQ = array(logQ, B * M) }
        out.perPositive = array(negatives, B * M)
        out.perPositiveFiltered = !UnsafeBufferPointer(start: unfiltered, count: chunks).contains(true)
        if V > 0 {
            starts[B * V] = Int32(B * T)
            out.virtual = VirtualRecipes(perRow: V, termStart: array(starts, B * V + 1), termSource: array(sources, B * T),
                                         termWeight: array(weights, B * T), detachPositive: true)
        }
        return out
    }

    /// Writes one row's recipes into preallocated slices.
    struct RecipeWriter {
        let starts: UnsafeMutablePointer<Int32>, sources: UnsafeMutablePointer<Int32>, weights: UnsafeMutablePointer<Float>
        let firstTerm: Int32
        var vectors = 0, terms = 0
        init(starts: UnsafeMutablePointer<Int32>, sources: UnsafeMutablePointer<Int32>, weights: UnsafeMutablePointer<Float>, firstTerm: Int32) {
            self.starts = starts; self.sources = sources; self.weights = weights; self.firstTerm = firstTerm
        }
        /// Opens the next virtual vector.
        @inline(__always) mutating func beginVector() { starts[vectors] = firstTerm + Int32(terms); vectors += 1 }
        /// Adds a term to the open vector.
        @inline(__always) mutating func add(_ source: Int32, _ weight: Float) { sources[terms] = source; weights[terms] = weight; terms += 1 }
    }

    /// Per-thread buffers of ``sampleRow``, so that a row allocates nothing.
    struct RowScratch {
        let group: UnsafeMutablePointer<Int>, same: UnsafeMutablePointer<Int>, candidates: UnsafeMutablePointer<Int>
        let cuts: UnsafeMutablePointer<Float>, weights: UnsafeMutablePointer<Float>
        /// The primary cluster of each of the row's negatives, kept from its draw.
        let clusters: UnsafeMutablePointer<Int32>
        init(hard: Int, easy: Int) {
            let n = max(easy, 1)
            group = .allocate(capacity: n); same = .allocate(capacity: n); candidates = .allocate(capacity: n)
            cuts = .allocate(capacity: 2 * n); weights = .allocate(capacity: n); clusters = .allocate(capacity: max(hard + easy, 1))
        }
        func release() {
            group.deallocate(); same.deallocate(); candidates.deallocate(); cuts.deallocate(); weights.deallocate(); clusters.deallocate()
        }
    }

    /// Terms of one row's virtual negatives under `c` (``ESANSConfig/virtualTerms``).
    static func virtualTerms(_ c: Config) -> Int { c.virtualTerms }

    /// The candidates of each of one positive's `hard + easy` negative slots into `dst` (slot-major,
    /// see ``slot(_:)``), with each one's primary cluster in `clusters`. `filtered` turns false if
    /// a fallback draw could not avoid the positive or the user's training items.
    private func drawRow(user: Int, positive pos: Int32, into dst: UnsafeMutablePointer<Int32>,
                         clusters: UnsafeMutablePointer<Int32>, filtered: inout Bool, rng: inout RandomSource) {
        let mc = config.hard, mo = config.easy
        let p = Int(tables.primary[Int(pos)])
        let userItems = train.items(of: user)
        userItems.withUnsafeBufferPointer { seen in
            for m in 0..<(mc + mo) {
                let (first, count) = slot(m)
                for j in first..<(first + count) {
                    let (item, cluster) = m < mc ? hardNegative(p: p, positive: pos, seen: seen, filtered: &filtered, rng: &rng)
                                                 : easyNegative(p: p, positive: pos, seen: seen, filtered: &filtered, rng: &rng)
                    dst[j] = item
                    clusters[j] = cluster
                }
            }
        }
    }

    /// One row's EDIS recipes, from the primary clusters of its kept negatives
    /// (`scratch.clusters`, hard ones first).
    private func writeRecipes(into recipes: inout RecipeWriter, scratch: inout RowScratch, rng: inout RandomSource) {
        let mc = config.hard, mo = config.easy
        let codes = scratch.clusters + mc
        guard config.edis else { return }
        if config.simpleInterpolation && mo >= 2 {
            // The largest group of this row's easy negatives sharing a primary cluster.
            var groupCount = 0
            for i in 0..<mo {
                let c = codes[i]
                var n = 0
                for j in 0..<mo where codes[j] == c { scratch.same[n] = j; n += 1 }
                if n > groupCount { scratch.group.update(from: scratch.same, count: n); groupCount = n }
            }
            let cand = scratch.candidates, weights = scratch.weights
            for k in 2...mo {
                for _ in 0..<k {
                    // Anchors from one primary cluster when the row has k of them there.
                    let n: Int
                    if groupCount >= k { cand.update(from: scratch.group, count: groupCount); n = groupCount } else {
                        for i in 0..<mo { cand[i] = i }
                        n = mo
                    }
                    let chosen = FlatDirichletMix.chooseSubset(cand, n: n, k: k, rng: &rng)
                    FlatDirichletMix.weights(k, into: weights, scratch: scratch.cuts, rng: &rng)
                    recipes.beginVector()
                    for i in 0..<k { recipes.add(Int32(mc + chosen[i]), weights[i]) }
                }
            }
        }
        if config.hardInterpolation {
            for h in 0..<mc {
                recipes.beginVector()
                recipes.add(-1, config.lambda)
                recipes.add(Int32(h), 1 - config.lambda)
            }
        }
    }

    /// log q_j for each of a row's per-positive negatives: the probability that one of the row's `hard +
    /// easy` draws is j, (m_c q_hard(j) + m_o q_easy(j)) / (m_c + m_o), where q_hard is uniform over
    /// the positive's primary cluster minus its own cell and q_easy(j) = w_p(c1(j)) / |P_c1(j)|.
    /// Rejected draws (the user's training items) are ignored, as in the other samplers. The
    /// value is relative to a uniform draw, log(n q_j), so that, as in UNS, a uniform proposal
    /// gets no correction and the virtual negatives keep their weight next to the real ones.
    /// `clusters` holds the primary cluster of each negative, as drawn.
    func logProposal(positive pos: Int32, clusters: UnsafePointer<Int32>, into out: UnsafeMutablePointer<Float>) {
        let kp = tables.clusters
        let p = Int(tables.primary[Int(pos)])
        for m in 0..<(config.hard + config.easy) {
            let q = Int(clusters[m])
            out[m] = q == p ? logQHard[Int(pos)] : logQEasy[p * kp + q]
        }
    }

    /// The two cases of ``logProposal(positive:_:into:)`` as tables: per positive, for a
    /// negative of its own primary cluster, and per (primary of the positive, primary of the
    /// negative) otherwise.
    private static func logProposalTables(_ t: SemanticClusterTables, _ c: Config, numItems: Int) -> (hard: [Float], easy: [Float]) {
        let mc = Double(c.hard), mo = Double(c.easy), M = mc + mo, n = Double(numItems), kp = t.clusters
        func logScaled(_ expected: Double) -> Float { Float(log(max(expected / M * n, 1e-12))) }
        let hard = (0..<numItems).map { i in logScaled(mc / Double(t.hardSetSize(i))) }
        var easy = [Float](repeating: logScaled(0), count: kp * kp)
        for p in 0..<kp where t.hasEasy[p] {
            for q in 0..<kp where q != p { easy[p * kp + q] = logScaled(mo * t.easyWeight[p * kp + q] / Double(t.size(of: q))) }
        }
        return (hard, easy)
    }

    /// A hard negative (from the positive's cluster `p`) and its primary cluster.
    private func hardNegative(p: Int, positive: Int32, seen: UnsafeBufferPointer<Int32>,
                              filtered: inout Bool, rng: inout RandomSource) -> (item: Int32, cluster: Int32) {
        for _ in 0..<32 {
            guard let it = tables.drawHard(Int(positive), &rng) else { break }
            if it != positive, !Interactions.sortedContains(seen, it) { return (it, Int32(p)) }
        }
        // The primary cluster offers no usable hard negative: fall back to an easy one.
        return easyNegative(p: p, positive: positive, seen: seen, filtered: &filtered, rng: &rng)
    }

    /// An easy negative and its primary cluster.
    private func easyNegative(p: Int, positive: Int32, seen: UnsafeBufferPointer<Int32>,
                              filtered: inout Bool, rng: inout RandomSource) -> (item: Int32, cluster: Int32) {
        if tables.hasEasy[p] {
            for _ in 0..<32 {
                let q = tables.drawEasyCluster(p, &rng)
                let it = tables.drawMember(q, &rng)
                if !Interactions.sortedContains(seen, it) { return (it, Int32(q)) }
            }
        }
        // No usable easy cluster: uniform draws; the batch is reported as unfiltered if even
        // these hit the positive or the user's training items.
        var it = Int32(rng.below(numItems))
        for _ in 0..<32 where it == positive || Interactions.sortedContains(seen, it) { it = Int32(rng.below(numItems)) }
        if it == positive || Interactions.sortedContains(seen, it) { filtered = false }
        return (it, tables.primary[Int(it)])
    }
}
