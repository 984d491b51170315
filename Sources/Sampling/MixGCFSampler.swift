import NumCore
import Runs
import Datasets

/// MixGCF-style positive mixing (Huang et al. 2021), for two towers without graph hops: for
/// each positive, draw `candidates` uniform items; each becomes a synthetic negative
/// alpha * e_pos + (1 - alpha) * e_cand with alpha ~ U(0, 1) (positive detached); the `perPositive`
/// synthetic negatives the current model scores highest are kept as virtual negatives, and
/// their underlying candidates are the row's real per-positive negatives.
public final class MixGCFSampler: ScoredSampler {
    public var kind: SamplerKind { .mixgcf }
    public let budget: ScoredBudget

    /// A MixGCF-style sampler with `budget` (see also `init(context:candidates:perPositive:)`).
    public init(budget: ScoredBudget) { self.budget = budget }

    public func sample(_ batch: BatchRequest, scorer: CandidateScorer?, pool _: WorkerPool = .shared, rng: inout RandomSource) -> NegativeBatch {
        let C = budget.candidates, M = budget.perPositive, B = batch.count
        let drawn = drawScored(batch, scorer: scorer, rng: &rng)
        var alphas = [Float](repeating: 0, count: B * C)
        for i in 0..<alphas.count { alphas[i] = rng.unitFloat() }
        // Score of a mix is alpha * s(pos) + (1 - alpha) * s(cand) before normalisation; the
        // ranking uses that (cheap) proxy, the loss uses the exact re-normalised vector.
        // Without a scorer every score is 0.
        let candScores = drawn.scores ?? [Float](repeating: 0, count: B * C)
        let posScores = scorer?.scores(candidates: batch.positives, perRow: 1) ?? [Float](repeating: 0, count: B)
        var out = NegativeBatch()
        out.perPositiveCount = M
        var recipes = VirtualRecipes(perRow: M, detachPositive: true)
        for b in 0..<B {
            let mixed = (0..<C).map { c in alphas[b * C + c] * posScores[b] + (1 - alphas[b * C + c]) * candScores[b * C + c] }
            let order = drawn.ranked(by: { mixed[$0] })
            for m in 0..<M {
                let c = order[m]
                out.perPositive.append(drawn.item(row: b, c))
                recipes.add([(source: -1, weight: alphas[b * C + c]), (source: Int32(m), weight: 1 - alphas[b * C + c])])
            }
        }
        out.virtual = recipes
        return out
    }
}
