import NumCore

/// Settings of a training run (the optimiser has its own, ``AdamOptimizer/Config``).
/// The defaults are the recipe chosen on validation splits (README, "The recipe"): BSL with
/// its default temperature and weight, 1024 shared uniform negatives, batch 1024, 50 epochs of
/// cosine learning-rate decay, a tenth of training held out to select the stopping point (checked
/// every 5 epochs), then a refit on all training data. The optimiser's part is ``RunConfig/defaultOptimizer``.
public struct TrainConfig: Codable, Sendable, Equatable {
    /// Passes over the training interactions.
    public var epochs: Int = 50
    /// (user, positive) pairs per step.
    public var batchSize: Int = 1024
    /// Learning-rate schedule over the whole run.
    public var lrSchedule: LRSchedule = .cosine
    /// The extensions of the run past the epochs it was first planned for (`--resume --epochs
    /// N`), in order; empty for a run trained as planned. See ``RunExtension``.
    public var extensions: [RunExtension] = []
    /// The loss and its knobs (temperature included).
    public var loss = LossConfig()
    /// Dropout rate on the user vector before normalisation (training only).
    public var userDropout: Float = 0
    /// L2 penalty `l2 / 2 * ||e||^2` on every embedding row a batch gathers.
    public var embeddingL2: Float = 0
    /// Plateau schedule: factor of each learning-rate drop.
    public var plateauFactor: Float = 0.1
    /// Plateau schedule: evaluations without a better validation metric before a drop.
    public var plateauPatience: Int = 1
    /// Plateau schedule: drops allowed before training stops at the next plateau.
    public var plateauDrops: Int = 2
    /// With validation: after selecting the stopping point, train again from scratch on all
    /// training data (validation included) for the selected model's epochs and learning-rate
    /// levels, and report that model.
    /// Ignored without validation.
    public var refit: Bool = true
    /// With validation: evaluate the test split at every evaluation too (for curves; never
    /// used for any choice). Off, the test split is evaluated once, at the selected point.
    public var testEveryEvaluation: Bool = false
    /// The negative sampler.
    public var sampler: SamplerKind = .uns
    /// Negatives shared by the whole batch (UNS pool size).
    public var sharedNegatives: Int = 1024
    /// Negatives drawn for each positive.
    public var perPositiveNegatives: Int = 0
    /// ESANS: path of `semantic_ids.tsv` (from `esans cluster`).
    public var semanticIDs: String? = nil
    /// ESANS: sampler and EDIS settings.
    public var esans = ESANSConfig()
    /// ESANS ablation: permute the semantic IDs across items (same cluster sizes).
    public var randomClusters = false
    /// ESANS: every this many epochs, rebuild the behaviour modality from the item tower's
    /// outputs and refit the codebooks warm-started from the current clusters (0 = never;
    /// ignored by the other samplers and with ``randomClusters``). 5 by default: in the paper
    /// regime on the BSL recipe it raised validation Recall@50 over three seeds on Gowalla
    /// (0.2647 against 0.2419) and on MovieLens-1M (0.2296 against 0.2228); README, "Clusters
    /// that follow the model".
    public var refreshClusters: Int = 5
    /// Whether this run refreshes its clusters: an ESANS run on real clusters with a period.
    public var refreshesClusters: Bool { sampler == .esans && !randomClusters && refreshClusters > 0 }
    /// DNS / MixGCF: candidates scored per kept negative.
    public var candidateFactor: Int = 4
    /// The logQ correction, one switch for every sampler: subtract the log of each negative's
    /// proposal probability from its logit, where the proposal is not uniform.
    public var logQCorrection: Bool = true
    /// Mask negatives that are the positive or one of the user's training items.
    public var maskAccidentalHits: Bool = true
    /// Run seed: every random choice derives from it.
    public var seed: UInt64 = 1
    /// Evaluate every this many epochs (and always after the last).
    public var evalEvery: Int = 5
    /// Cut-offs of the ranking metrics.
    public var cutoffs: [Int] = [20, 50, 100, 200]
    /// Share of each user's training items held out for validation (0 = none).
    public var validationFraction: Double = 0.1
    /// With validation: stop after this many evaluations without a better validation
    /// Recall@20 (0 = never stop early).
    public var patience: Int = 0
    /// Threads for kernels (0 = all cores: the process's worker pool as it is). A run with
    /// `threads > 0` resizes the worker pool of its whole process (`WorkerPool.configure`); its
    /// numbers do not depend on the count, but the count it records (`threads` in metrics.json)
    /// is the pool's, so runs that share a process (tests) must not resize it under each other.
    public var threads: Int = 0
    /// A distributed run's (`esans train --distributed`) number of virtual shards: the fixed
    /// partition of rows and interactions whose arithmetic does not depend on the ranks; nil
    /// for a single-process run (and left out of its config.json).
    public var virtualShards: Int? = nil
    /// A distributed run's evaluation sample: this many users, drawn once from the run seed
    /// (the same on any number of ranks), ranked against the whole catalogue at every
    /// evaluation; nil (left out of config.json) evaluates every user. For catalogues where
    /// ranking every user is out of reach (10^6 users by 10^7 items).
    public var evalUsers: Int? = nil

    /// The defaults.
    public init() {}

    private enum CodingKeys: String, CodingKey { case semanticIDs, esans, randomClusters, refreshClusters, epochs, extensions, batchSize, lrSchedule, loss, userDropout, embeddingL2, plateauFactor, plateauPatience, plateauDrops, refit, testEveryEvaluation, sampler, sharedNegatives, perPositiveNegatives, candidateFactor, logQCorrection, maskAccidentalHits, seed, evalEvery, cutoffs, validationFraction, patience, threads, virtualShards, evalUsers }

    private enum LegacyKeys: String, CodingKey { case temperature }
    private enum LegacyESANSKeys: String, CodingKey { case logQ }

    /// Decodes a configuration; keys missing from older `config.json` files take their defaults.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TrainConfig()
        semanticIDs = try c.decodeIfPresent(String.self, forKey: .semanticIDs)
        esans = try c.decodeIfPresent(ESANSConfig.self, forKey: .esans) ?? d.esans
        randomClusters = try c.decodeIfPresent(Bool.self, forKey: .randomClusters) ?? d.randomClusters
        refreshClusters = try c.decodeIfPresent(Int.self, forKey: .refreshClusters) ?? d.refreshClusters
        epochs = try c.decodeIfPresent(Int.self, forKey: .epochs) ?? d.epochs
        extensions = try c.decodeIfPresent([RunExtension].self, forKey: .extensions) ?? d.extensions
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? d.batchSize
        lrSchedule = try c.decodeIfPresent(LRSchedule.self, forKey: .lrSchedule) ?? d.lrSchedule
        if let l = try c.decodeIfPresent(LossConfig.self, forKey: .loss) {
            loss = l
        } else {
            // Runs from before the loss setting trained the softmax with a top-level temperature.
            loss = LossConfig(kind: .softmax)
            let legacy = try decoder.container(keyedBy: LegacyKeys.self)
            loss.temperature = try legacy.decodeIfPresent(Float.self, forKey: .temperature) ?? 0.1
        }
        userDropout = try c.decodeIfPresent(Float.self, forKey: .userDropout) ?? d.userDropout
        embeddingL2 = try c.decodeIfPresent(Float.self, forKey: .embeddingL2) ?? d.embeddingL2
        plateauFactor = try c.decodeIfPresent(Float.self, forKey: .plateauFactor) ?? d.plateauFactor
        plateauPatience = try c.decodeIfPresent(Int.self, forKey: .plateauPatience) ?? d.plateauPatience
        plateauDrops = try c.decodeIfPresent(Int.self, forKey: .plateauDrops) ?? d.plateauDrops
        refit = try c.decodeIfPresent(Bool.self, forKey: .refit) ?? d.refit
        testEveryEvaluation = try c.decodeIfPresent(Bool.self, forKey: .testEveryEvaluation) ?? d.testEveryEvaluation
        sampler = try c.decodeIfPresent(SamplerKind.self, forKey: .sampler) ?? d.sampler
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
        virtualShards = try c.decodeIfPresent(Int.self, forKey: .virtualShards)
        evalUsers = try c.decodeIfPresent(Int.self, forKey: .evalUsers)
        // ESANS runs from before the single logQ switch kept their own (esans.logQ).
        if sampler == .esans, c.contains(.esans),
           try c.nestedContainer(keyedBy: LegacyESANSKeys.self, forKey: .esans).decodeIfPresent(Bool.self, forKey: .logQ) == false {
            logQCorrection = false
        }
    }
}
