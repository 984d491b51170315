import NumCore
import Runs
import Datasets

/// DNS (Zhang et al. 2013): for each positive, score `candidates` uniform items with the current
/// model and keep the `perPositive` highest-scoring ones as negatives (the hardest). The
/// proposal depends on the model, so no logQ is given.
public final class DynamicSampler: NegativeSampler {
    public var kind: SamplerKind { .dns }
    public var needsScorer: Bool { true }
    /// Candidates scored per positive and negatives kept.
    public let budget: ScoredBudget

    /// A DNS sampler keeping `perPositive` of `candidates` scored candidates.
    public init(context: SamplingContext, candidates: Int, perPositive: Int) {
        budget = ScoredBudget(context: context, candidates: candidates, perPositive: perPositive, sampler: "DNS")
    }

    public func sample(_ batch: BatchRequest, scorer: CandidateScorer?, pool _: WorkerPool = .shared, rng: inout RandomSource) -> NegativeBatch {
        let C = budget.candidates, M = budget.perPositive
        let pool = budget.draw(rows: batch.count, rng: &rng)
        var out = NegativeBatch()
        out.perPositiveCount = M
        guard let scorer else { out.perPositive = Array(pool.prefix(batch.count * M)); return out }
        let scores = scorer.scores(candidates: pool, perRow: C)
        out.perPositive.reserveCapacity(batch.count * M)
        for b in 0..<batch.count {
            // Candidates equal to the positive are never kept (they would be masked anyway).
            let row = (0..<C).filter { pool[b * C + $0] != batch.positives[b] }
                .sorted { scores[b * C + $0] > scores[b * C + $1] || (scores[b * C + $0] == scores[b * C + $1] && $0 < $1) }
            for m in 0..<M { out.perPositive.append(pool[b * C + row[min(m, row.count - 1)]]) }
        }
        return out
    }
}
