/// Choosing the stopping point on the validation split: remembers the best evaluation so
/// far, drops the learning rate on a plateau (the caller reloads the best checkpoint), and
/// stops early. It sees validation scores only, so the test split can never steer it.
///
/// It also keeps the *lineage* of the model: how many epochs the current weights were
/// trained at each learning-rate level (a reload on a plateau discards the epochs after the
/// best one). `--refit` replays the best model's lineage on all training data.
public struct ModelSelection: Codable, Sendable, Equatable {
    /// What one evaluation leads to.
    public enum Decision: Sendable, Equatable {
        /// A new best: save it.
        case improved
        /// No better, keep training.
        case keepGoing
        /// A plateau: reload the best checkpoint and continue at the next learning-rate level.
        case dropLearningRate
        /// Done: no more drops (or no plateau schedule) and patience exhausted.
        case stop
    }

    /// Best validation score so far (nil before the first evaluation).
    public private(set) var bestScore: Double? = nil
    /// Epoch of the best score (0 = none).
    public private(set) var bestEpoch = 0
    /// Evaluations since the best one.
    public private(set) var sinceBest = 0
    /// Epochs after which the learning rate dropped, in order.
    public private(set) var drops: [Int] = []
    /// Epochs the current weights were trained at each learning-rate level.
    public private(set) var lineage: [Int] = []
    /// The lineage of the best weights.
    public private(set) var bestLineage: [Int] = []
    /// True once training should end (set by a `.stop` decision).
    public private(set) var finished = false

    /// A fresh selection.
    public init() {}

    /// Learning-rate level now: the number of drops so far.
    public var level: Int { drops.count }

    /// Records that one more epoch was trained at the current level.
    public mutating func epochTrained() {
        while lineage.count <= level { lineage.append(0) }
        lineage[level] += 1
    }

    /// Takes the validation `score` of `epoch`. `patience` evaluations without a better score
    /// make a plateau; `maxDrops` plateaus may drop the learning rate (0 = early stopping
    /// only), the next one stops. `patience` 0 never stops.
    public mutating func observe(epoch: Int, score: Double, patience: Int, maxDrops: Int) -> Decision {
        if bestScore == nil || score > bestScore! {
            bestScore = score
            bestEpoch = epoch
            bestLineage = lineage
            sinceBest = 0
            return .improved
        }
        sinceBest += 1
        guard patience > 0, sinceBest >= patience else { return .keepGoing }
        if drops.count < maxDrops {
            drops.append(epoch)
            sinceBest = 0
            lineage = bestLineage
            return .dropLearningRate
        }
        finished = true
        return .stop
    }
}
