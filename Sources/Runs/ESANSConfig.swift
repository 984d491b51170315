/// Settings of the ESANS sampler (`ESANSSampler`) and its ablations, as stored in `config.json`.
public struct ESANSConfig: Codable, Sendable, Equatable {
    /// Hard negatives per positive (m_c). One hard and six easy negatives measured best of
    /// 0/7, 1/6, 2/5 and 3/4 on Gowalla, MovieLens-100K and MovieLens-1M (see the README).
    public var hard = 1
    /// Easy negatives per positive (m_o).
    public var easy = 6
    /// Temperature of the softmax over centroid distances choosing easy clusters (T_c).
    public var clusterTemperature: Float = 1
    /// How an easy negative is drawn from the other clusters: per cluster, as in the paper, per
    /// item (each cluster weighted by its size as well), or per item weighted by training
    /// frequency^0.75 (the default: see ``candidateSelection``).
    public var easyProposal: EasyProposal = .popularity
    /// Hard interpolation coefficient (lambda, in [-0.3, 0.5]).
    public var lambda: Float = 0.1
    /// How lambda is chosen: fixed (``lambda``) or per pair from the model's scores.
    public var lambdaRule: LambdaRule = .fixed
    /// The `semihard` rule's target gap between the positive's score and its mix's.
    public var lambdaMargin: Float = 0.2
    /// Candidates drawn (from the same MSAC proposal) per hard negative, of which the current
    /// model's scores keep one (``candidateSelection``); the own cell is still excluded.
    /// 1 = the paper's ESANS (no scoring). 4 here and for the easy negatives was chosen on the
    /// validation splits of Gowalla and MovieLens-1M at width 160 (paper regime, seed 1,
    /// validation Recall@50), keeping the hardest with the per-item easy draw: 0.3065 against
    /// 0.2803 with unscored draws (DNS 0.2879) on Gowalla, 0.3429 against 0.2260 (UNS 0.2652)
    /// on MovieLens-1M; 2 candidates gave 0.3290 there (README, "ESANS with scored candidates").
    public var hardCandidates = 4
    /// The same per easy negative (other primary clusters).
    public var easyCandidates = 4
    /// How one of a slot's scored candidates is kept: the hardest, or by importance resampling
    /// toward the loss's softmax (the default). Resampling with the popularity-weighted easy
    /// draw was chosen on the validation splits (paper regime, width 160, BSL, seed 1,
    /// validation Recall@50): Gowalla 0.3202 against 0.3065 keeping the hardest with the
    /// per-item draw (0.3171 resampling the per-item draw); MovieLens-1M 0.4445 against 0.3429
    /// (0.4166 resampling the per-item draw; PNS 0.4384). README, "ESANS with resampled
    /// candidates".
    public var candidateSelection: CandidateSelection = .resample
    /// EDIS's virtual negatives on/off (off by default: on the default loss, BSL, they cost
    /// validation Recall@50 on Gowalla in each of seeds 1-3, 0.2151 / 0.2080 / 0.2051 with and
    /// 0.2426 / 0.2431 / 0.2400 without, paper regime, 20 epochs; no difference on MovieLens-1M;
    /// README, "ESANS on the BSL recipe"), and its two parts.
    public var edis = false, simpleInterpolation = true, hardInterpolation = true
    /// False: primary-only clusters (hard negatives from the whole primary cluster, no
    /// secondary-cell filter), for the ablation.
    public var useSecondary = true
    /// EDIS's virtual negatives per positive: for k = 2 ... easy, k convex mixes of k easy
    /// negatives (simple interpolation), and one mix of the positive per hard negative.
    public var virtualPerPositive: Int {
        guard edis else { return 0 }
        let simple = simpleInterpolation && easy >= 2 ? (easy + 2) * (easy - 1) / 2 : 0
        return simple + (hardInterpolation ? hard : 0)
    }
    /// Terms (source vectors with a weight) of one positive's virtual negatives.
    public var virtualTerms: Int {
        guard edis else { return 0 }
        var n = hardInterpolation ? 2 * hard : 0
        if simpleInterpolation && easy >= 2 { for k in 2...easy { n += k * k } }
        return n
    }
    /// Whether the sampler scores its pairs with the current model (the `semihard` lambda rule).
    public var scoresPairs: Bool { edis && hardInterpolation && hard > 0 && lambdaRule == .semihard }
    /// The defaults: m_c + m_o = 7 (the `paper` regime's budget), scored candidates, EDIS off.
    public init() {}

    /// Switches to the paper's negative draws (Xing et al., WWW 2025): one unscored MSAC draw
    /// per negative, easy negatives drawn per cluster; every other setting is kept.
    public mutating func usePaperDraws() {
        hardCandidates = 1; easyCandidates = 1; easyProposal = .cluster
    }

    /// The defaults with the paper's draws (``usePaperDraws()``), EDIS off.
    public static var paperDraws: ESANSConfig {
        var c = ESANSConfig()
        c.usePaperDraws()
        return c
    }

    /// The paper's full ESANS: ``paperDraws`` with EDIS on.
    public static var paper: ESANSConfig {
        var c = paperDraws
        c.edis = true
        return c
    }

    private enum CodingKeys: String, CodingKey {
        case hard, easy, clusterTemperature, easyProposal, lambda, lambdaRule, lambdaMargin, hardCandidates, easyCandidates, candidateSelection, edis, simpleInterpolation, hardInterpolation, useSecondary
    }

    /// Decodes a configuration; keys missing (older run files, partial settings files) take
    /// the defaults.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ESANSConfig()
        hard = try c.decodeIfPresent(Int.self, forKey: .hard) ?? d.hard
        easy = try c.decodeIfPresent(Int.self, forKey: .easy) ?? d.easy
        clusterTemperature = try c.decodeIfPresent(Float.self, forKey: .clusterTemperature) ?? d.clusterTemperature
        easyProposal = try c.decodeIfPresent(EasyProposal.self, forKey: .easyProposal) ?? d.easyProposal
        lambda = try c.decodeIfPresent(Float.self, forKey: .lambda) ?? d.lambda
        lambdaRule = try c.decodeIfPresent(LambdaRule.self, forKey: .lambdaRule) ?? d.lambdaRule
        lambdaMargin = try c.decodeIfPresent(Float.self, forKey: .lambdaMargin) ?? d.lambdaMargin
        hardCandidates = try c.decodeIfPresent(Int.self, forKey: .hardCandidates) ?? d.hardCandidates
        easyCandidates = try c.decodeIfPresent(Int.self, forKey: .easyCandidates) ?? d.easyCandidates
        candidateSelection = try c.decodeIfPresent(CandidateSelection.self, forKey: .candidateSelection) ?? d.candidateSelection
        edis = try c.decodeIfPresent(Bool.self, forKey: .edis) ?? d.edis
        simpleInterpolation = try c.decodeIfPresent(Bool.self, forKey: .simpleInterpolation) ?? d.simpleInterpolation
        hardInterpolation = try c.decodeIfPresent(Bool.self, forKey: .hardInterpolation) ?? d.hardInterpolation
        useSecondary = try c.decodeIfPresent(Bool.self, forKey: .useSecondary) ?? d.useSecondary
    }
}
