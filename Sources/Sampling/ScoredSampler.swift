import NumCore

/// The budget of a model-scored sampler (DNS, MixGCF): `candidates` uniform items scored per
/// positive, of which `perPositive` are kept.
public struct ScoredBudget: Sendable {
    /// Catalogue size the candidates are drawn from.
    public let numItems: Int
    /// Candidates drawn per positive, and negatives kept per positive.
    public let candidates: Int, perPositive: Int

    /// A budget over `context`'s catalogue; `sampler` names the sampler in the precondition.
    public init(context: SamplingContext, candidates: Int, perPositive: Int, sampler: String) {
        precondition(candidates >= perPositive && perPositive > 0, "\(sampler) needs candidates >= perPositive > 0")
        numItems = context.numItems
        self.candidates = candidates
        self.perPositive = perPositive
    }
}

/// A model-scored sampler (DNS, MixGCF): for each positive it draws `budget.candidates`
/// uniform items, has the current model score them, and keeps `budget.perPositive` of them.
/// The draw and the scoring live here, once; each sampler ranks the candidates its own way.
public protocol ScoredSampler: NegativeSampler {
    /// Candidates scored per positive and negatives kept.
    var budget: ScoredBudget { get }
    /// A sampler with `budget`.
    init(budget: ScoredBudget)
}

extension ScoredSampler {
    /// Scored samplers rank their candidates by the model's scores.
    public var needsScorer: Bool { true }

    /// A sampler keeping `perPositive` of `candidates` scored candidates per positive, drawn
    /// from `context`'s catalogue.
    public init(context: SamplingContext, candidates: Int, perPositive: Int) {
        self.init(budget: ScoredBudget(context: context, candidates: candidates, perPositive: perPositive, sampler: "\(Self.self)"))
    }

    /// The scored candidate draw for `batch`: `budget.candidates` uniform items per row,
    /// row-major (the only use of `rng`: one `below` per item, in order), then `scorer`'s score
    /// of each (none without a scorer).
    func drawScored(_ batch: BatchRequest, scorer: CandidateScorer?, rng: inout RandomSource) -> ScoredCandidates {
        let perRow = budget.candidates
        var items = [Int32](repeating: 0, count: batch.count * perRow)
        for i in 0..<items.count { items[i] = Int32(rng.below(budget.numItems)) }
        return ScoredCandidates(items: items, scores: scorer?.scores(candidates: items, perRow: perRow), perRow: perRow)
    }
}

/// One batch's candidates of a scored sampler: `perRow` items per row, row-major, and the
/// current model's score of each when a scorer was given.
struct ScoredCandidates {
    /// Candidate items, row `b`'s in `b * perRow ..< (b + 1) * perRow`.
    let items: [Int32]
    /// The score of each item for its row, nil without a scorer.
    let scores: [Float]?
    /// Candidates per row.
    let perRow: Int

    /// Row `b`'s candidate `c`.
    func item(row b: Int, _ c: Int) -> Int32 { items[b * perRow + c] }

    /// A row's slots `0..<perRow` that pass `keep`, highest `score(slot)` first, ties to the
    /// earlier slot.
    func ranked(keeping keep: (Int) -> Bool = { _ in true }, by score: (Int) -> Float) -> [Int] {
        (0..<perRow).filter(keep).sorted { score($0) > score($1) || (score($0) == score($1) && $0 < $1) }
    }
}
