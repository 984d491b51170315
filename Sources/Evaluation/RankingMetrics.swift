import Foundation
import NumCore

/// Ranking quality averaged over evaluated users, at several cutoffs.
///
/// For a user with test items `T` and a ranked list `r_1, r_2, ...` (training items removed):
/// - Recall@K = |{r_1..r_K} ∩ T| / |T|;
/// - NDCG@K = DCG@K / IDCG@K with binary relevance, DCG@K = Σ_{rank ≤ K, r_rank ∈ T} 1 / log2(rank + 1)
///   and IDCG@K the same sum over ranks `1...min(|T|, K)`;
/// - HitRate@K = 1 when any of `r_1..r_K` is in `T`, else 0;
/// - MRR@K = 1 / (rank of the first hit) when that rank is ≤ K, else 0.
/// Users with an empty test list are not evaluated and do not count in the averages.
public struct RankingMetrics: Sendable, Equatable, CustomStringConvertible {
    /// The cutoffs, ascending; the arrays below are indexed like this one.
    public let cutoffs: [Int]
    /// Mean Recall@K per cutoff.
    public let recall: [Double]
    /// Mean NDCG@K per cutoff.
    public let ndcg: [Double]
    /// Mean HitRate@K per cutoff.
    public let hitRate: [Double]
    /// Mean MRR@K per cutoff.
    public let mrr: [Double]
    /// Number of users averaged over (those with at least one test item).
    public let usersEvaluated: Int

    /// Metrics from their parts (all arrays as long as `cutoffs`).
    public init(cutoffs: [Int], recall: [Double], ndcg: [Double], hitRate: [Double], mrr: [Double], usersEvaluated: Int) {
        precondition([recall.count, ndcg.count, hitRate.count, mrr.count].allSatisfy { $0 == cutoffs.count })
        self.cutoffs = cutoffs
        self.recall = recall
        self.ndcg = ndcg
        self.hitRate = hitRate
        self.mrr = mrr
        self.usersEvaluated = usersEvaluated
    }

    /// Every metric by name: `"recall@20"`, `"ndcg@20"`, `"hit@20"`, `"mrr@20"`, ... .
    public var values: [String: Double] {
        var out = [String: Double]()
        for (i, k) in cutoffs.enumerated() {
            out["recall@\(k)"] = recall[i]
            out["ndcg@\(k)"] = ndcg[i]
            out["hit@\(k)"] = hitRate[i]
            out["mrr@\(k)"] = mrr[i]
        }
        return out
    }

    /// One line per cutoff, e.g. `@20  recall 0.1690  ndcg 0.1330  hit 0.5012  mrr 0.2100`.
    public var description: String {
        var lines = ["users evaluated: \(usersEvaluated)"]
        for (i, k) in cutoffs.enumerated() {
            lines.append(String(format: "@%-4d recall %.4f  ndcg %.4f  hit %.4f  mrr %.4f", k, recall[i], ndcg[i], hitRate[i], mrr[i]))
        }
        return lines.joined(separator: "\n")
    }

    /// Running sums of per-user metrics; merge partial sums in a fixed order for results that
    /// do not depend on scheduling.
    public struct Accumulator: Sendable {
        /// The cutoffs, ascending and unique.
        public let cutoffs: [Int]
        private(set) var recall: [Double]
        private(set) var ndcg: [Double]
        private(set) var hits: [Double]
        private(set) var mrr: [Double]
        /// Users added so far.
        public private(set) var users = 0
        /// `discount[r - 1] = 1 / log2(r + 1)` for ranks `1...maxCutoff`.
        private let discount: [Double]
        /// `idealDCG[m] = Σ_{r ≤ m} discount[r - 1]`.
        private let idealDCG: [Double]

        /// Empty sums for `cutoffs` (positive; sorted and deduplicated here).
        public init(cutoffs: [Int]) {
            let cs = Array(Set(cutoffs)).sorted()
            precondition(!cs.isEmpty && cs[0] > 0, "cutoffs must be positive")
            self.cutoffs = cs
            recall = Array(repeating: 0, count: cs.count)
            ndcg = recall; hits = recall; mrr = recall
            discount = (1...cs.last!).map { 1 / log2(Double($0) + 1) }
            var ideal = [0.0]
            for d in discount { ideal.append(ideal.last! + d) }
            idealDCG = ideal
        }

        /// The longest cutoff: how many ranked items ``add(ranked:relevant:)`` looks at.
        public var maxCutoff: Int { cutoffs.last! }

        /// Adds one user: `ranked` best first (at least `maxCutoff` long unless fewer items
        /// exist), `relevant` the user's test items sorted ascending without duplicates.
        /// Users with no relevant items are ignored. With `row`, the user's own Recall@K for
        /// each cut-off, then NDCG@K for each, are written there too (`2 * cutoffs.count` values).
        public mutating func add(ranked: UnsafeBufferPointer<Int32>, relevant: [Int32], row: UnsafeMutablePointer<Float>? = nil) {
            if relevant.isEmpty { return }
            users += 1
            let depth = min(ranked.count, maxCutoff)
            var c = 0  // current cutoff index
            var hitCount = 0
            var dcg = 0.0
            var firstHit = 0
            for rank in stride(from: 1, through: depth, by: 1) {
                // Close every cutoff that ends before this rank.
                while c < cutoffs.count && cutoffs[c] < rank { close(c, hitCount, dcg, firstHit, relevant.count, row); c += 1 }
                if relevant.sortedContains(ranked[rank - 1]) {
                    hitCount += 1
                    dcg += discount[rank - 1]
                    if firstHit == 0 { firstHit = rank }
                }
            }
            while c < cutoffs.count { close(c, hitCount, dcg, firstHit, relevant.count, row); c += 1 }
        }

        /// Array convenience for ``add(ranked:relevant:)``.
        public mutating func add(ranked: [Int32], relevant: [Int32]) {
            ranked.withUnsafeBufferPointer { add(ranked: $0, relevant: relevant) }
        }

        private mutating func close(_ c: Int, _ hitCount: Int, _ dcg: Double, _ firstHit: Int, _ relevantCount: Int,
                                    _ row: UnsafeMutablePointer<Float>?) {
            let r = Double(hitCount) / Double(relevantCount), n = dcg / idealDCG[min(relevantCount, cutoffs[c])]
            recall[c] += r
            ndcg[c] += n
            if let row { row[c] = Float(r); row[cutoffs.count + c] = Float(n) }
            if hitCount > 0 { hits[c] += 1 }
            if firstHit > 0 { mrr[c] += 1 / Double(firstHit) }
        }

        /// Adds another accumulator's sums (same cutoffs).
        public mutating func merge(_ other: Accumulator) {
            precondition(other.cutoffs == cutoffs, "cutoffs differ")
            users += other.users
            for c in cutoffs.indices {
                recall[c] += other.recall[c]
                ndcg[c] += other.ndcg[c]
                hits[c] += other.hits[c]
                mrr[c] += other.mrr[c]
            }
        }

        /// The sums as one vector, `[users, recall..., ndcg..., hits..., mrr...]` (each
        /// `cutoffs.count` long): what ranks exchange to add their blocks in order.
        var flattened: [Double] { [Double(users)] + recall + ndcg + hits + mrr }

        /// Sums from ``flattened`` (the user count is exact below 2⁵³).
        init(cutoffs: [Int], flattened: [Double]) {
            self.init(cutoffs: cutoffs)
            let c = self.cutoffs.count
            precondition(flattened.count == 1 + 4 * c, "\(flattened.count) sums for \(c) cut-offs")
            users = Int(flattened[0])
            recall = Array(flattened[1..<(1 + c)])
            ndcg = Array(flattened[(1 + c)..<(1 + 2 * c)])
            hits = Array(flattened[(1 + 2 * c)..<(1 + 3 * c)])
            mrr = Array(flattened[(1 + 3 * c)..<(1 + 4 * c)])
        }

        /// The averages over the users added (zeros when there were none).
        public var metrics: RankingMetrics {
            let n = Double(max(users, 1))
            return RankingMetrics(cutoffs: cutoffs, recall: recall.map { $0 / n }, ndcg: ndcg.map { $0 / n },
                                  hitRate: hits.map { $0 / n }, mrr: mrr.map { $0 / n }, usersEvaluated: users)
        }
    }
}
