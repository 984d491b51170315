import Foundation
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
    public struct Config: Codable, Sendable, Equatable {
        /// Hard negatives per positive (m_c).
        public var hard = 3
        /// Easy negatives per positive (m_o).
        public var easy = 4
        /// Temperature of the softmax over centroid distances choosing easy clusters (T_c).
        public var clusterTemperature: Float = 1
        /// Hard interpolation coefficient (lambda, in [-0.3, 0.5]).
        public var lambda: Float = 0.1
        /// EDIS on/off, and its two parts.
        public var edis = true, simpleInterpolation = true, hardInterpolation = true
        /// False: primary-only clusters (hard negatives from the whole primary cluster, no
        /// secondary-cell filter), for the ablation.
        public var useSecondary = true
        /// Uniform negatives shared by the batch (the `production` regime), 0 = none.
        public var sharedUniform = 0
        /// The defaults of the `paper` regime (m_c + m_o = 7).
        public init() {}
    }

    public let name = "esans"
    public let config: Config
    private let primary: [Int32], secondary: [Int32]
    private let primaryMembers: [[Int32]]
    private let easyClusterTables: [AliasTable?]
    private let train: Interactions
    private let numItems: Int
    private let uniform: UniformSampler?

    /// A sampler over items with codes `primary[i]`, `secondary[i]` (one per item of the
    /// catalogue); `centroidDistances` is the `kp x kp` matrix of primary-centroid distances.
    public init(context: SamplingContext, primary: [Int32], secondary: [Int32], centroidDistances: Matrix?, config: Config) {
        precondition(primary.count == context.numItems && secondary.count == context.numItems, "one semantic ID per item")
        self.config = config
        self.primary = primary
        self.secondary = config.useSecondary ? secondary : [Int32](repeating: 0, count: secondary.count)
        let kp = Int(primary.max() ?? 0) + 1
        var members = [[Int32]](repeating: [], count: kp)
        for (i, p) in primary.enumerated() { members[Int(p)].append(Int32(i)) }
        primaryMembers = members
        var tables: [AliasTable?] = []
        for p in 0..<kp {
            let others = (0..<kp).filter { $0 != p && !members[$0].isEmpty }
            let dist = others.map { q in centroidDistances.map { Double($0[p, q]) } ?? 0 }
            // Softmax of -dist / T_c, shifted by the nearest cluster so exp cannot underflow to all zeros.
            let nearest = dist.min() ?? 0
            var w = [Double](repeating: 0, count: kp)
            for (q, d) in zip(others, dist) { w[q] = exp(-(d - nearest) / Double(config.clusterTemperature)) }
            tables.append(others.isEmpty ? nil : AliasTable(weights: w))
        }
        easyClusterTables = tables
        train = context.train
        numItems = context.numItems
        uniform = config.sharedUniform > 0 ? UniformSampler(context: context, shared: config.sharedUniform, perPositive: 0) : nil
    }

    /// Virtual negatives per row under `config`.
    public static func virtualCount(_ c: Config) -> Int {
        guard c.edis else { return 0 }
        let simple = c.simpleInterpolation && c.easy >= 2 ? (c.easy + 2) * (c.easy - 1) / 2 : 0
        return simple + (c.hardInterpolation ? c.hard : 0)
    }

    public func sample(_ batch: BatchRequest, scorer: CandidateScorer?, rng: inout RandomSource) -> NegativeBatch {
        let M = config.hard + config.easy, V = Self.virtualCount(config), B = batch.count
        var out = uniform?.sample(batch, scorer: nil, rng: &rng) ?? NegativeBatch()
        out.perPositiveCount = M
        // Rows are sampled in parallel, each from its own stream derived from one draw of `rng`,
        // so the result does not depend on how rows are split over threads.
        let batchStream = RandomSource(seed: rng.next())
        let pool = WorkerPool.shared
        let chunks = max(1, min(B, 4 * pool.threadCount))
        var negatives = [Int32](repeating: 0, count: B * M)
        let parts = UnsafeMutablePointer<(VirtualRecipes, Bool)>.allocate(capacity: chunks)
        parts.initialize(repeating: (VirtualRecipes(perRow: V), true), count: chunks)
        defer { parts.deinitialize(count: chunks); parts.deallocate() }
        negatives.withUnsafeMutableBufferPointer { nb in
            let nb = nb
            pool.parallelFor(chunks) { c in
                var recipes = VirtualRecipes(perRow: V, detachPositive: true)
                var filtered = true
                for b in (c * B / chunks)..<((c + 1) * B / chunks) {
                    var r = batchStream.derived(UInt64(b))
                    self.sampleRow(user: Int(batch.users[b]), positive: batch.positives[b], into: nb.baseAddress! + b * M,
                                   recipes: &recipes, filtered: &filtered, rng: &r)
                }
                parts[c] = (recipes, filtered)
            }
        }
        out.perPositive = negatives
        out.perPositiveFiltered = (0..<chunks).allSatisfy { parts[$0].1 }
        if V > 0 {
            var all = VirtualRecipes(perRow: V, detachPositive: true)
            for c in 0..<chunks { all.append(parts[c].0) }
            out.virtual = all
        }
        return out
    }

    /// The `hard + easy` negatives of one positive into `dst`, and its EDIS recipes. `filtered`
    /// turns false if a fallback draw could not avoid the positive or the user's training items.
    private func sampleRow(user: Int, positive pos: Int32, into dst: UnsafeMutablePointer<Int32>,
                           recipes: inout VirtualRecipes, filtered: inout Bool, rng: inout RandomSource) {
        let mc = config.hard, mo = config.easy
        let p = Int(primary[Int(pos)]), s = secondary[Int(pos)]
        for h in 0..<mc { dst[h] = hardNegative(p: p, s: s, positive: pos, user: user, rng: &rng) }
        for e in 0..<mo { dst[mc + e] = easyNegative(p: p, user: user, rng: &rng) }
        for m in 0..<(mc + mo) where !acceptable(dst[m], user: user, positive: pos) { filtered = false }
        guard config.edis else { return }
        if config.simpleInterpolation && mo >= 2 {
            // The largest group of this row's easy negatives sharing a primary cluster.
            var group: [Int] = []
            for i in 0..<mo {
                let c = primary[Int(dst[mc + i])]
                var same: [Int] = []
                for j in 0..<mo where primary[Int(dst[mc + j])] == c { same.append(j) }
                if same.count > group.count { group = same }
            }
            var terms: [(source: Int32, weight: Float)] = []
            terms.reserveCapacity(mo)
            var candidates: [Int] = []
            for k in 2...mo {
                for _ in 0..<k {
                    // Anchors from one primary cluster when the row has k of them there.
                    candidates = group.count >= k ? group : Array(0..<mo)
                    for i in 0..<k { candidates.swapAt(i, i + rng.below(candidates.count - i)) }
                    terms.removeAll(keepingCapacity: true)
                    var total: Float = 0
                    for i in 0..<k {
                        let w = rng.exponential()
                        total += w
                        terms.append((source: Int32(mc + candidates[i]), weight: w))
                    }
                    for i in 0..<k { terms[i].weight /= total }
                    recipes.add(terms)
                }
            }
        }
        if config.hardInterpolation {
            for h in 0..<mc { recipes.add([(source: -1, weight: config.lambda), (source: Int32(h), weight: 1 - config.lambda)]) }
        }
    }

    private func acceptable(_ item: Int32, user: Int, positive: Int32) -> Bool {
        item != positive && !train.contains(user: user, item: item)
    }

    private func hardNegative(p: Int, s: Int32, positive: Int32, user: Int, rng: inout RandomSource) -> Int32 {
        let members = primaryMembers[p]
        for _ in 0..<32 {
            let it = members[rng.below(members.count)]
            if secondary[Int(it)] != s || !config.useSecondary, acceptable(it, user: user, positive: positive) { return it }
        }
        // The primary cluster offers no usable hard negative: fall back to an easy one.
        return easyNegative(p: p, user: user, rng: &rng)
    }

    private func easyNegative(p: Int, user: Int, rng: inout RandomSource) -> Int32 {
        for _ in 0..<32 {
            guard let table = easyClusterTables[p] else { break }
            let q = Int(table.draw(&rng))
            let it = primaryMembers[q][rng.below(primaryMembers[q].count)]
            if !train.contains(user: user, item: it) { return it }
        }
        // No usable easy cluster: uniform draws (the caller re-checks and reports the batch
        // as unfiltered if even these hit the user's training items).
        var it = Int32(rng.below(numItems))
        for _ in 0..<32 where train.contains(user: user, item: it) { it = Int32(rng.below(numItems)) }
        return it
    }
}
