import Sampling

/// Settings of a training run (the optimiser has its own, ``AdamOptimizer/Config``).
/// The defaults are the best ID-only Gowalla setup measured (see README): 50 epochs, batch
/// 1024, 1024 shared uniform negatives, tau 0.1, cosine learning-rate decay.
public struct TrainConfig: Codable, Sendable, Equatable {
    /// Passes over the training interactions.
    public var epochs: Int = 50
    /// (user, positive) pairs per step.
    public var batchSize: Int = 1024
    /// Learning-rate schedule over the whole run: `constant`, `cosine` (to 0) or `linear` (to 0).
    public var lrSchedule: String = "cosine"
    /// Softmax temperature tau.
    public var temperature: Float = 0.1
    /// Sampler name (`uns`, `inbatch`, ...).
    public var sampler: String = "uns"
    /// Negatives shared by the whole batch (UNS pool size).
    public var sharedNegatives: Int = 1024
    /// Negatives drawn for each positive.
    public var perPositiveNegatives: Int = 0
    /// ESANS: path of `semantic_ids.tsv` (from `esans cluster`).
    public var semanticIDs: String? = nil
    /// ESANS: sampler and EDIS settings.
    public var esans = ESANSSampler.Config()
    /// ESANS ablation: permute the semantic IDs across items (same cluster sizes).
    public var randomClusters = false
    /// DNS / MixGCF: candidates scored per kept negative.
    public var candidateFactor: Int = 4
    /// Subtract log proposal probability from negative logits where the sampler gives it.
    public var logQCorrection: Bool = true
    /// Mask negatives that are the positive or one of the user's training items.
    public var maskAccidentalHits: Bool = true
    /// Run seed: every random choice derives from it.
    public var seed: UInt64 = 1
    /// Evaluate every this many epochs (and always after the last).
    public var evalEvery: Int = 1
    /// Cut-offs of the ranking metrics.
    public var cutoffs: [Int] = [20, 50, 100, 200]
    /// Share of each user's training items held out for validation (0 = none).
    public var validationFraction: Double = 0
    /// With validation: stop after this many evaluations without a better validation
    /// Recall@20 (0 = never stop early).
    public var patience: Int = 0
    /// Threads for kernels (0 = all cores).
    public var threads: Int = 0

    /// The defaults.
    public init() {}

    private enum CodingKeys: String, CodingKey { case semanticIDs, esans, randomClusters, epochs, batchSize, lrSchedule, temperature, sampler, sharedNegatives, perPositiveNegatives, candidateFactor, logQCorrection, maskAccidentalHits, seed, evalEvery, cutoffs, validationFraction, patience, threads }

    /// Decodes a configuration; keys missing from older `config.json` files take their defaults.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TrainConfig()
        semanticIDs = try c.decodeIfPresent(String.self, forKey: .semanticIDs)
        esans = try c.decodeIfPresent(ESANSSampler.Config.self, forKey: .esans) ?? d.esans
        randomClusters = try c.decodeIfPresent(Bool.self, forKey: .randomClusters) ?? d.randomClusters
        epochs = try c.decodeIfPresent(Int.self, forKey: .epochs) ?? d.epochs
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? d.batchSize
        lrSchedule = try c.decodeIfPresent(String.self, forKey: .lrSchedule) ?? d.lrSchedule
        temperature = try c.decodeIfPresent(Float.self, forKey: .temperature) ?? d.temperature
        sampler = try c.decodeIfPresent(String.self, forKey: .sampler) ?? d.sampler
        sharedNegatives = try c.decodeIfPresent(Int.self, forKey: .sharedNegatives) ?? d.sharedNegatives
        perPositiveNegatives = try c.decodeIfPresent(Int.self, forKey: .perPositiveNegatives) ?? d.perPositiveNegatives
        candidateFactor = try c.decodeIfPresent(Int.self, forKey: .candidateFactor) ?? d.candidateFactor
        logQCorrection = try c.decodeIfPresent(Bool.self, forKey: .logQCorrection) ?? d.logQCorrection
        maskAccidentalHits = try c.decodeIfPresent(Bool.self, forKey: .maskAccidentalHits) ?? d.maskAccidentalHits
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        evalEvery = try c.decodeIfPresent(Int.self, forKey: .evalEvery) ?? d.evalEvery
        cutoffs = try c.decodeIfPresent([Int].self, forKey: .cutoffs) ?? d.cutoffs
        validationFraction = try c.decodeIfPresent(Double.self, forKey: .validationFraction) ?? d.validationFraction
        patience = try c.decodeIfPresent(Int.self, forKey: .patience) ?? d.patience
        threads = try c.decodeIfPresent(Int.self, forKey: .threads) ?? d.threads
    }
}
