import Foundation
import Runs
import NumCore
import Codebooks
import Datasets
import CPrefetch

/// ESANS's real negatives: MSAC-aware draws from the semantic clusters, and their logQ.
///
/// For a positive with semantic ID (p, s):
/// - `hard` negatives: uniform over items with primary p and secondary != s;
/// - `easy` negatives: a primary cluster q != p drawn with probability softmax(-dist(C_p, C_q) / T_c)
///   (uniform over q when no centroid distances are given), then an item uniformly in q;
/// - never an item of the positive's own cell (p, s) (likely false negatives) nor a training
///   item of the user.
///
/// A row has `hard + easy` negative slots; each slot gets `hardCandidates` (or `easyCandidates`)
/// draws from the same proposal, of which ``ESANSSampler`` keeps one.
struct MSACDraws {
    /// Hard and easy negative slots per positive (m_c, m_o).
    let hard: Int, easy: Int
    /// Candidates drawn per hard slot and per easy slot (at least 1).
    let hardCandidates: Int, easyCandidates: Int
    private let tables: SemanticClusterTables
    private let train: Interactions
    private let numItems: Int
    /// log q of a negative in the positive's own primary cluster (per positive), and of one in
    /// another cluster (per pair of primary clusters); see ``logProposal(positive:items:clusters:scored:into:)``.
    private let logQHard: [Float], logQEasy: [Float]
    /// log(n q) of one draw of a hard slot (per positive) and of an easy slot (per pair of
    /// primary clusters, plus the item's ``SemanticClusterTables/logShare`` when weighted).
    private let slotLogQHard: [Float], slotLogQEasy: [Float]

    /// Draws over items with semantic IDs `ids` (one per item of the catalogue);
    /// `centroidDistances` is the `kp x kp` matrix of primary-centroid distances.
    init(context: SamplingContext, ids: SemanticIDs, centroidDistances: Matrix?, config: ESANSConfig) {
        precondition(ids.count == context.numItems, "one semantic ID per item")
        hard = config.hard
        easy = config.easy
        hardCandidates = max(1, config.hardCandidates)
        easyCandidates = max(1, config.easyCandidates)
        tables = SemanticClusterTables(ids: ids, excludeOwnCell: config.useSecondary,
                                       centroidDistances: centroidDistances, temperature: config.clusterTemperature,
                                       sizeWeighted: config.easyProposal == .item,
                                       itemWeights: config.easyProposal == .popularity ? PopularitySampler.weights(context.itemCounts) : nil)
        train = context.train
        numItems = context.numItems
        (logQHard, logQEasy) = Self.logProposalTables(tables, mc: Double(hard), mo: Double(easy), M: Double(hard + easy), numItems: numItems)
        (slotLogQHard, slotLogQEasy) = Self.logProposalTables(tables, mc: 1, mo: 1, M: 1, numItems: numItems)
    }

    /// Negative slots per row.
    var slots: Int { hard + easy }
    /// Candidates drawn per row.
    var candidatesPerRow: Int { hard * hardCandidates + easy * easyCandidates }

    /// Where slot `m`'s candidates lie in a row's candidates (slots in order, hard ones first),
    /// and how many it has.
    @inline(__always) func slot(_ m: Int) -> (first: Int, count: Int) {
        m < hard ? (m * hardCandidates, hardCandidates) : (hard * hardCandidates + (m - hard) * easyCandidates, easyCandidates)
    }

    /// The candidates of a run of batch rows, each row drawn from its own stream.
    struct Candidates {
        /// `candidatesPerRow` items per row, slot by slot (see ``slot(_:)``).
        var items: [Int32] = []
        /// The primary cluster of each candidate, as drawn.
        var clusters: [Int32] = []
        /// Each row's stream after its draws, for what else the row draws.
        var streams: [RandomSource] = []
        /// False when a fallback draw could not avoid a row's positive or its user's training items.
        var filtered = true
    }

    /// The candidates of batch rows `rows`; row b draws from `root.derived(b)`, so the result
    /// does not depend on how the batch is split into runs of rows.
    func candidates(users: [Int32], positives: [Int32], rows: Range<Int>, root: RandomSource) -> Candidates {
        var out = Candidates()
        out.items.reserveCapacity(rows.count * candidatesPerRow)
        out.clusters.reserveCapacity(rows.count * candidatesPerRow)
        out.streams.reserveCapacity(rows.count)
        for b in rows {
            // Hints for the rows ahead: two ahead, its positive's cluster and where its user's
            // training items lie; one ahead (that offset now at hand), the items themselves.
            if b + 2 < rows.upperBound { prefetchRowStart(user: Int(users[b + 2]), positive: Int(positives[b + 2])) }
            if b + 1 < rows.upperBound { prefetchItems(of: Int(users[b + 1])) }
            var rng = root.derived(UInt64(b))
            drawRow(user: Int(users[b]), positive: positives[b], into: &out, rng: &rng)
            out.streams.append(rng)
        }
        return out
    }

    /// Appends one positive's candidates, slot by slot, to `out`.
    private func drawRow(user: Int, positive pos: Int32, into out: inout Candidates, rng: inout RandomSource) {
        let p = Int(tables.primary[Int(pos)])
        prefetchRow(p: p, positive: pos, rng: rng)
        train.items(of: user).withUnsafeBufferPointer { seen in
            for m in 0..<slots {
                for _ in 0..<slot(m).count {
                    let (item, cluster) = m < hard ? hardNegative(p: p, positive: pos, seen: seen, filtered: &out.filtered, rng: &rng)
                                                   : easyNegative(p: p, positive: pos, seen: seen, filtered: &out.filtered, rng: &rng)
                    out.items.append(item)
                    out.clusters.append(cluster)
                }
            }
        }
    }

    /// Asks the cache for what a row reads first: its positive's primary cluster and its
    /// user's training items (where they lie).
    @inline(__always) private func prefetchRowStart(user: Int, positive: Int) {
        tables.prefetchPrimary(of: positive)
        train.offsets.withUnsafeBufferPointer { esans_prefetch_read($0.baseAddress! + user, 2 * MemoryLayout<Int>.stride) }
    }

    /// Asks the cache for the first lines of `user`'s training items.
    @inline(__always) private func prefetchItems(of user: Int) {
        let first = train.offsets[user], count = train.offsets[user + 1] - first
        guard count > 0 else { return }
        train.items.withUnsafeBufferPointer { esans_prefetch_read($0.baseAddress! + first, min(count, 64) * MemoryLayout<Int32>.stride) }
    }

    /// Asks the cache for the table entries the row's draws will read, by replaying the draws
    /// on a copy of `rng` as if none were rejected (a rejection only wastes a hint). The
    /// entries lie anywhere in tables of the catalogue's size, and each draw's acceptance test
    /// waits for its entry: without the hints the misses come one after another.
    @inline(__always) private func prefetchRow(p: Int, positive pos: Int32, rng: RandomSource) {
        var peek = rng
        for m in 0..<slots {
            for _ in 0..<slot(m).count {
                if m < hard {
                    guard let i = tables.hardIndex(Int(pos), &peek) else { return }
                    tables.prefetchHard(at: i)
                } else {
                    guard tables.hasEasy[p] else { return }
                    let i = tables.memberIndex(tables.drawEasyCluster(p, &peek), &peek)
                    tables.prefetchMember(at: i)
                    tables.skipMember(&peek)
                }
            }
        }
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

    /// Appends log q_j for each of a row's kept negatives to `out`: the probability that one of
    /// the row's `hard + easy` draws is j, (m_c q_hard(j) + m_o q_easy(j)) / (m_c + m_o), where
    /// q_hard is uniform over the positive's primary cluster minus its own cell and q_easy(j) =
    /// w_p(c1(j)) s(j), with s(j) = 1 / |P_c1(j)| (uniform members) or j's share of its
    /// cluster's item weights (``Runs/EasyProposal/popularity``). Rejected draws (the user's
    /// training items) are ignored, as in the other samplers. The value is relative to a
    /// uniform draw, log(n q_j), so that, as in UNS, a uniform proposal gets no correction and
    /// the virtual negatives keep their weight next to the real ones. `items` and `clusters`
    /// hold each kept negative and its primary cluster, as drawn. When `scored`, a slot with
    /// several candidates kept the one the model scored highest: its proposal is the model's,
    /// unknown here, and it gets 0, the value of a uniform draw.
    func logProposal(positive pos: Int32, items: ArraySlice<Int32>, clusters: ArraySlice<Int32>, scored: Bool, into out: inout [Float]) {
        let kp = tables.clusters
        let p = Int(tables.primary[Int(pos)])
        for (m, (j, q)) in zip(items, clusters).enumerated() {
            if scored && slot(m).count > 1 { out.append(0); continue }
            if Int(q) == p { out.append(logQHard[Int(pos)]); continue }
            out.append(logQEasy[p * kp + Int(q)] + (tables.weightedMembers ? tables.logShare[Int(j)] : 0))
        }
    }

    /// log(n q(j)) of one draw of slot kind `hard` or easy for `positive` (the proposal of
    /// that slot alone, not the row's mix), for the candidate `item` drawn in primary cluster
    /// `cluster`. A hard slot that fell back to an easy draw is counted as easy.
    @inline(__always) func slotLogProposal(positive pos: Int32, item: Int32, cluster q: Int32) -> Float {
        let p = Int(tables.primary[Int(pos)])
        if Int(q) == p { return slotLogQHard[Int(pos)] }
        return slotLogQEasy[p * tables.clusters + Int(q)] + (tables.weightedMembers ? tables.logShare[Int(item)] : 0)
    }

    /// The two cases of ``logProposal(positive:items:clusters:scored:into:)`` as tables: per positive, for a
    /// negative of its own primary cluster, and per (primary of the positive, primary of the
    /// negative) otherwise.
    /// `mc` and `mo` weigh the hard and easy proposals in a mix over `M` draws; 1, 1 and 1
    /// give each slot's own proposal (``slotLogProposal(positive:item:cluster:)``).
    private static func logProposalTables(_ t: SemanticClusterTables, mc: Double, mo: Double, M: Double,
                                          numItems: Int) -> (hard: [Float], easy: [Float]) {
        let n = Double(numItems), kp = t.clusters
        func logScaled(_ expected: Double) -> Float { Float(log(max(expected / M * n, 1e-12))) }
        let hardTable = (0..<numItems).map { i in logScaled(mc / Double(t.hardSetSize(i))) }
        var easyTable = [Float](repeating: logScaled(0), count: kp * kp)
        for p in 0..<kp where t.hasEasy[p] {
            // With weighted members an item's share of its cluster is added per item.
            for q in 0..<kp where q != p {
                easyTable[p * kp + q] = logScaled(mo * t.easyWeight[p * kp + q] / (t.weightedMembers ? 1 : Double(t.size(of: q))))
            }
        }
        return (hardTable, easyTable)
    }
}
