/// Settings of a training run (the optimiser has its own, ``AdamOptimizer/Config``).
/// The defaults are the tuned ID-only Gowalla setup.
public struct TrainConfig: Codable, Sendable, Equatable {
    /// Passes over the training interactions.
    public var epochs: Int = 40
    /// (user, positive) pairs per step.
    public var batchSize: Int = 1024
    /// Learning-rate schedule over the whole run: `constant`, `cosine` (to 0) or `linear` (to 0).
    public var lrSchedule: String = "constant"
    /// Softmax temperature tau.
    public var temperature: Float = 0.1
    /// Sampler name (`uns`, `inbatch`, ...).
    public var sampler: String = "uns"
    /// Negatives shared by the whole batch (UNS pool size).
    public var sharedNegatives: Int = 1024
    /// Negatives drawn for each positive.
    public var perPositiveNegatives: Int = 0
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
}
