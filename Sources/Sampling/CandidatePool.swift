import NumCore

/// Uniform candidate items for model-scored samplers (DNS, MixGCF): `perRow` per batch row,
/// row-major.
enum CandidatePool {
    static func draw(rows: Int, perRow: Int, numItems: Int, rng: inout RandomSource) -> [Int32] {
        var pool = [Int32](repeating: 0, count: rows * perRow)
        for i in 0..<pool.count { pool[i] = Int32(rng.below(numItems)) }
        return pool
    }
}

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

    /// This budget's uniform candidates for `rows` positives, row-major.
    func draw(rows: Int, rng: inout RandomSource) -> [Int32] {
        CandidatePool.draw(rows: rows, perRow: candidates, numItems: numItems, rng: &rng)
    }
}
