import NumCore
import Runs
import Datasets

/// DNS (Zhang et al. 2013): for each positive, score `candidates` uniform items with the current
/// model and keep the `perPositive` highest-scoring ones as negatives (the hardest). The
/// proposal depends on the model, so no logQ is given.
public final class DynamicSampler: ScoredSampler {
    public var kind: SamplerKind { .dns }
    public let budget: ScoredBudget

    /// A DNS sampler with `budget` (see also `init(context:candidates:perPositive:)`).
    public init(budget: ScoredBudget) { self.budget = budget }

    public func sample(_ batch: BatchRequest, scorer: CandidateScorer?, pool _: WorkerPool = .shared, rng: inout RandomSource) -> NegativeBatch {
        let C = budget.candidates, M = budget.perPositive
        let drawn = drawScored(batch, scorer: scorer, rng: &rng)
        var out = NegativeBatch()
        out.perPositiveCount = M
        guard let scores = drawn.scores else { out.perPositive = Array(drawn.items.prefix(batch.count * M)); return out }
        out.perPositive.reserveCapacity(batch.count * M)
        for b in 0..<batch.count {
            // Candidates equal to the positive are never kept (they would be masked anyway).
            let row = drawn.ranked(keeping: { drawn.item(row: b, $0) != batch.positives[b] }, by: { scores[b * C + $0] })
            for m in 0..<M { out.perPositive.append(drawn.item(row: b, row[min(m, row.count - 1)])) }
        }
        return out
    }
}
