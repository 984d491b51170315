import NumCore
import Runs
import Datasets

/// MixGCF-style positive mixing (Huang et al. 2021), for two towers without graph hops: for
/// each positive, draw `candidates` uniform items; each becomes a synthetic negative
/// alpha * e_pos + (1 - alpha) * e_cand with alpha ~ U(0, 1) (positive detached); the `perPositive`
/// synthetic negatives the current model scores highest are kept as virtual negatives, and
/// their underlying candidates are the row's real per-positive negatives.
public final class MixGCFSampler: NegativeSampler {
    public var kind: SamplerKind { .mixgcf }
    public var needsScorer: Bool { true }
    /// Candidates scored per positive and negatives kept.
    public let budget: ScoredBudget

    /// A MixGCF-style sampler keeping `perPositive` of `candidates` mixed candidates.
    public init(context: SamplingContext, candidates: Int, perPositive: Int) {
        budget = ScoredBudget(context: context, candidates: candidates, perPositive: perPositive, sampler: "MixGCF")
    }

    public func sample(_ batch: BatchRequest, scorer: CandidateScorer?, pool _: WorkerPool = .shared, rng: inout RandomSource) -> NegativeBatch {
        let C = budget.candidates, M = budget.perPositive, B = batch.count
        let pool = budget.draw(rows: B, rng: &rng)
        var alphas = [Float](repeating: 0, count: B * C)
        for i in 0..<alphas.count { alphas[i] = rng.unitFloat() }
        // Score of a mix is alpha * s(pos) + (1 - alpha) * s(cand) before normalisation; the
        // ranking uses that (cheap) proxy, the loss uses the exact re-normalised vector.
        var candScores = [Float](repeating: 0, count: B * C)
        var posScores = [Float](repeating: 0, count: B)
        if let scorer {
            candScores = scorer.scores(candidates: pool, perRow: C)
            posScores = scorer.scores(candidates: batch.positives, perRow: 1)
        }
        var out = NegativeBatch()
        out.perPositiveCount = M
        var recipes = VirtualRecipes(perRow: M, detachPositive: true)
        for b in 0..<B {
            let mixed = (0..<C).map { c in alphas[b * C + c] * posScores[b] + (1 - alphas[b * C + c]) * candScores[b * C + c] }
            let order = (0..<C).sorted { mixed[$0] > mixed[$1] || (mixed[$0] == mixed[$1] && $0 < $1) }
            for m in 0..<M {
                let c = order[m]
                out.perPositive.append(pool[b * C + c])
                recipes.add([(source: -1, weight: alphas[b * C + c]), (source: Int32(m), weight: 1 - alphas[b * C + c])])
            }
        }
        out.virtual = recipes
        return out
    }
}
