import NumCore
import Runs
import Datasets

/// The positives of one training batch.
public struct BatchRequest: Sendable {
    /// User index per row.
    public var users: [Int32]
    /// Positive item index per row.
    public var positives: [Int32]
    /// Creates a request.
    public init(users: [Int32], positives: [Int32]) { self.users = users; self.positives = positives }
    /// Number of rows.
    public var count: Int { users.count }
}

/// Recipes for virtual negatives: vectors the trainer builds from tower outputs as weighted
/// sums of a row's per-positive negatives (and, optionally, its positive), then re-normalises
/// and adds to that row's softmax denominator. Gradients flow into the negatives' outputs; the
/// positive's contribution is detached when ``detachPositive`` is true.
public struct VirtualRecipes: Sendable {
    /// Virtual negatives per row (V).
    public var perRow: Int
    /// For virtual vector `r` (row `r / V`): its terms are `termStart[r]..<termStart[r+1]`.
    public var termStart: [Int32]
    /// Term source: `0..<M` = that row's per-positive negative, `-1` = the row's positive.
    public var termSource: [Int32]
    /// Term weight.
    public var termWeight: [Float]
    /// Whether the positive's tower output receives no gradient through virtual vectors.
    public var detachPositive: Bool

    /// Empty recipes for `perRow` virtual vectors per row.
    public init(perRow: Int, detachPositive: Bool = true) {
        self.perRow = perRow
        termStart = [0]
        termSource = []
        termWeight = []
        self.detachPositive = detachPositive
    }

    /// Appends one virtual vector made of `terms` (source, weight).
    public mutating func add(_ terms: [(source: Int32, weight: Float)]) {
        for t in terms { termSource.append(t.source); termWeight.append(t.weight) }
        termStart.append(Int32(termSource.count))
    }

    /// Recipes given as flat arrays (see the properties for their layout).
    public init(perRow: Int, termStart: [Int32], termSource: [Int32], termWeight: [Float], detachPositive: Bool) {
        precondition(termStart.first == 0 && Int(termStart.last ?? 0) == termSource.count && termSource.count == termWeight.count,
                     "recipe arrays out of step")
        self.perRow = perRow
        self.termStart = termStart
        self.termSource = termSource
        self.termWeight = termWeight
        self.detachPositive = detachPositive
    }

    /// Number of virtual vectors recorded.
    public var count: Int { termStart.count - 1 }

    /// Appends every virtual vector of `other` (same `perRow`).
    public mutating func append(_ other: VirtualRecipes) {
        let base = Int32(termSource.count)
        termSource += other.termSource
        termWeight += other.termWeight
        termStart += other.termStart.dropFirst().map { $0 + base }
    }
}

/// The negatives of one batch.
public struct NegativeBatch: Sendable {
    /// Negatives shared by every row of the batch.
    public var shared: [Int32] = []
    /// log of each shared negative's proposal probability (empty = no correction).
    public var sharedLogQ: [Float] = []
    /// Per-positive negatives, row-major `batch x perPositiveCount`.
    public var perPositive: [Int32] = []
    /// Negatives per positive (M).
    public var perPositiveCount = 0
    /// log proposal probability per per-positive negative (empty = no correction).
    public var perPositiveLogQ: [Float] = []
    /// True when the sampler guarantees that no per-positive negative is the row's positive or a
    /// training item of its user, so the trainer need not build masks for them.
    public var perPositiveFiltered = false
    /// Virtual negatives built from tower outputs, if the sampler makes any.
    public var virtual: VirtualRecipes? = nil
    /// Creates an empty batch.
    public init() {}
    /// Real negatives one positive is contrasted with.
    public var realPerPositive: Int { shared.count + perPositiveCount }
}

/// Scores candidate items for the rows of the current batch under the current model; given
/// to samplers that pick negatives by model score (DNS, MixGCF-style).
public protocol CandidateScorer {
    /// `result[b * perRow + c] = <u_b, v_{candidates[b * perRow + c]}>` for batch row `b`.
    func scores(candidates: [Int32], perRow: Int) -> [Float]
}

/// Static facts a sampler may use, built once per run from the training split.
public struct SamplingContext: Sendable {
    /// Number of items.
    public let numItems: Int
    /// Training interactions (sorted per user).
    public let train: Interactions
    /// Training interactions per item.
    public let itemCounts: [Int]

    /// The context of a training split.
    public init(train: Interactions) {
        self.numItems = train.numItems
        self.train = train
        self.itemCounts = train.itemCounts()
    }

    /// The context of part of a training split (an MPI rank's users), with the whole split's
    /// `itemCounts`: samplers draw from the whole data's popularity, and read `train` only for
    /// the users of their batches.
    public init(train: Interactions, itemCounts: [Int]) {
        precondition(itemCounts.count == train.numItems, "one count per item")
        self.numItems = train.numItems
        self.train = train
        self.itemCounts = itemCounts
    }
}

/// A negative sampler. One small type per strategy; the trainer calls
/// ``sample(_:scorer:pool:rng:)`` once per batch and never needs to know which strategy it has.
public protocol NegativeSampler: AnyObject {
    /// Which sampler this is.
    var kind: SamplerKind { get }
    /// True when ``sample(_:scorer:pool:rng:)`` needs a scorer.
    var needsScorer: Bool { get }
    /// Draws the negatives for `batch`, with any parallel work on `pool` (the caller's
    /// workers). All randomness comes from `rng`, and the result does not depend on `pool`.
    func sample(_ batch: BatchRequest, scorer: CandidateScorer?, pool: WorkerPool, rng: inout RandomSource) -> NegativeBatch
}

extension NegativeSampler {
    /// Most samplers do not look at model scores.
    public var needsScorer: Bool { false }

    /// ``sample(_:scorer:pool:rng:)`` on the shared worker pool, for a sampler known by its
    /// protocol only (each sampler type defaults `pool` to the shared pool itself).
    public func sample(_ batch: BatchRequest, scorer: CandidateScorer?, rng: inout RandomSource) -> NegativeBatch {
        sample(batch, scorer: scorer, pool: .shared, rng: &rng)
    }
}
