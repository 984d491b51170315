import Foundation
import Runs
import NumCore
import Datasets
import Codebooks

/// ESANS (Xing et al., WWW 2025): MSAC-aware real negatives plus EDIS virtual negatives.
///
/// One batch in three phases, rows in parallel on the caller's workers:
/// 1. ``MSACDraws``: each negative slot's candidates from the semantic clusters (hard ones in
///    the positive's primary cluster, easy ones in the others, never the positive's own cell
///    nor a training item of the user);
/// 2. the candidates' scores under the current model, when the sampler keeps the hardest of
///    several per slot or sets lambda per pair (the `semihard` rule);
/// 3. one negative kept per slot with its logQ, and the row's ``EDISRecipes``.
/// Each row draws from its own stream, derived from one draw of the caller's generator, so
/// the result does not depend on the number of workers.
public final class ESANSSampler: NegativeSampler {
    /// Settings of the sampler and its ablations.
    public typealias Config = ESANSConfig

    public var kind: SamplerKind { .esans }
    /// The sampler scores with the model when it keeps the best of several candidates per
    /// negative, or sets lambda per pair (the `semihard` rule).
    public var needsScorer: Bool { config.hardCandidates > 1 || config.easyCandidates > 1 || config.scoresPairs }
    /// Whether negatives carry log q_j: not when every slot keeps the hardest of several
    /// candidates (the proposal then depends on the model, as DNS's does). When only the hard
    /// or only the easy slots are scored, the scored ones get 0, the value of a uniform draw.
    /// With ``Runs/CandidateSelection/resample`` every slot carries one.
    var usesLogQ: Bool {
        logQCorrection && (resamples || (config.hard > 0 && config.hardCandidates <= 1) || (config.easy > 0 && config.easyCandidates <= 1))
    }
    /// Whether slots with several candidates keep one by importance resampling.
    var resamples: Bool { config.candidateSelection == .resample }
    public let config: Config
    /// Whether each hard and easy negative carries log q_j, the log of its draw probability
    /// for this positive relative to a uniform draw (as for the other non-uniform samplers).
    public let logQCorrection: Bool
    /// The loss's logit scale (1 / its temperature): resampling targets that softmax.
    public let logitScale: Float
    private let draws: MSACDraws
    private let recipes: EDISRecipes
    private let uniform: UniformSampler?

    /// A sampler over items with semantic IDs `ids` (one per item of the catalogue);
    /// `centroidDistances` is the `kp x kp` matrix of primary-centroid distances.
    /// `sharedUniform` uniform negatives are shared by each batch (the `production` regime).
    /// `logitScale` is the loss's (1 / temperature), for ``Runs/CandidateSelection/resample``.
    public init(context: SamplingContext, ids: SemanticIDs, centroidDistances: Matrix?, config: Config,
                sharedUniform: Int = 0, logQCorrection: Bool = true, logitScale: Float = 1) {
        self.config = config
        self.logQCorrection = logQCorrection
        self.logitScale = logitScale
        draws = MSACDraws(context: context, ids: ids, centroidDistances: centroidDistances, config: config)
        recipes = EDISRecipes(config: config)
        uniform = sharedUniform > 0 ? UniformSampler(context: context, shared: sharedUniform, perPositive: 0) : nil
    }

    /// Virtual negatives per row under `config` (``ESANSConfig/virtualPerPositive``).
    public static func virtualCount(_ c: Config) -> Int { c.virtualPerPositive }

    public func sample(_ batch: BatchRequest, scorer: CandidateScorer?, pool: WorkerPool = .shared, rng: inout RandomSource) -> NegativeBatch {
        let B = batch.count
        var out = uniform?.sample(batch, scorer: nil, pool: pool, rng: &rng) ?? NegativeBatch()
        out.perPositiveCount = draws.slots
        let root = RandomSource(seed: rng.next())
        let runs = max(1, min(B, 4 * pool.threadCount))
        func rows(_ r: Int) -> Range<Int> { (r * B / runs)..<((r + 1) * B / runs) }
        let draws = self.draws
        let drawn = pool.parallelMap(runs) { r in draws.candidates(users: batch.users, positives: batch.positives, rows: rows(r), root: root) }
        let scores = needsScorer ? scorer.map { Self.scores(batch, drawn, perRow: draws.candidatesPerRow, scorer: $0) } ?? [] : []
        let kept = pool.parallelMap(runs) { r in self.keep(rows: rows(r), drawn[r], scores: scores, positives: batch.positives) }
        out.perPositive = kept.flatMap(\.negatives)
        if usesLogQ { out.perPositiveLogQ = kept.flatMap(\.logQ) }
        out.perPositiveFiltered = drawn.allSatisfy(\.filtered)
        if let virtual = recipes.batch(kept.map(\.recipes), rows: B) { out.virtual = virtual }
        return out
    }

    /// The scores of each row's positive and its candidates, `[positive, candidates...]` per row.
    private static func scores(_ batch: BatchRequest, _ drawn: [MSACDraws.Candidates], perRow C: Int, scorer: CandidateScorer) -> [Float] {
        var list: [Int32] = []
        list.reserveCapacity(batch.count * (1 + C))
        var b = 0
        for run in drawn {
            for i in 0..<run.streams.count {
                list.append(batch.positives[b])
                list += run.items[(i * C)..<((i + 1) * C)]
                b += 1
            }
        }
        return scorer.scores(candidates: list, perRow: 1 + C)
    }

    /// What phase 3 keeps of a run of rows.
    private struct Kept {
        var negatives: [Int32] = [], logQ: [Float] = []
        var recipes: EDISRecipes.Rows
    }

    /// Phase 3 for batch rows `rows`, drawn as `drawn`: in each slot the best-scoring candidate
    /// (the first when unscored), its logQ, and the row's recipes, continuing the row's stream.
    private func keep(rows: Range<Int>, _ drawn: MSACDraws.Candidates, scores: [Float], positives: [Int32]) -> Kept {
        let M = draws.slots, C = draws.candidatesPerRow, hard = config.hard, perRow = 1 + C
        let withLogQ = usesLogQ, semihard = config.scoresPairs && !scores.isEmpty
        var out = Kept(recipes: recipes.rows(capacity: rows.count))
        out.negatives.reserveCapacity(rows.count * M)
        if withLogQ { out.logQ.reserveCapacity(rows.count * M) }
        let scratch = EDISRecipes.Scratch(easy: config.easy)
        var clusters = [Int32](repeating: 0, count: M), chosenScore = [Float](repeating: 0, count: hard)
        var lambdas = [Float](repeating: 0, count: semihard ? hard : 0)
        let resample = resamples && !scores.isEmpty, a = logitScale
        var slotLogQ = [Float](repeating: 0, count: M), weights = [Float](repeating: 0, count: resample ? C : 0)
        for (i, b) in rows.enumerated() {
            @inline(__always) func score(_ j: Int) -> Float { scores[b * perRow + 1 + j] }
            var rng = drawn.streams[i]
            for m in 0..<M {
                let (first, count) = draws.slot(m)
                var best = first
                if count > 1, resample {
                    for j in first..<(first + count) {
                        let lq = draws.slotLogProposal(positive: positives[b], item: drawn.items[i * C + j], cluster: drawn.clusters[i * C + j])
                        weights[j] = a * score(j) - lq
                    }
                    let (kept, logEstimate) = ImportanceResampling.keep(weights: &weights, first: first, count: count, rng: &rng)
                    best = kept
                    slotLogQ[m] = a * score(best) - logEstimate
                } else if count > 1, !scores.isEmpty {
                    for j in (first + 1)..<(first + count) where score(j) > score(best) { best = j }
                }
                out.negatives.append(drawn.items[i * C + best])
                clusters[m] = drawn.clusters[i * C + best]
                if m < hard, !scores.isEmpty { chosenScore[m] = score(best) }
            }
            if semihard {
                // One buffer for every row (was a new array per row).
                for m in 0..<hard {
                    lambdas[m] = LambdaRule.semihardLambda(positive: scores[b * perRow], hard: chosenScore[m], margin: config.lambdaMargin)
                }
            }
            recipes.append(row: b, easyClusters: clusters[hard...], hardLambdas: semihard ? lambdas : nil, to: &out.recipes,
                           scratch: scratch, rng: &rng)
            if withLogQ {
                draws.logProposal(positive: positives[b], items: out.negatives[(out.negatives.count - M)...], clusters: clusters[...],
                                  scored: !scores.isEmpty, into: &out.logQ)
                if resample {
                    let base = out.logQ.count - M
                    for m in 0..<M where draws.slot(m).count > 1 { out.logQ[base + m] = slotLogQ[m] }
                }
            }
        }
        return out
    }
}
