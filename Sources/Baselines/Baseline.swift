import NumCore
import Datasets

/// A non-learned recommender, fitted in closed form on the training interactions and scored
/// user by user: the sanity checks every recommender paper reports beside its models.
///
/// Each baseline is one small type (``MostPopular``, ``ItemKNN``); ``BaselineRun`` fits one
/// and evaluates it with the same full-corpus protocol as the two-tower models.
public protocol Baseline: Sendable {
    /// Learns from `train` (every user's items), with the work spread over `pool`.
    mutating func fit(_ train: Interactions, pool: WorkerPool)

    /// Adds to `scores` (one entry per item, zero on entry) the score of every item for a
    /// user whose known items are `history` (sorted ascending). Must only be called after
    /// ``fit(_:pool:)``; safe to call from several threads at once.
    func score(history: ArraySlice<Int32>, into scores: UnsafeMutableBufferPointer<Float>)

    /// The settings, by name, for the run's record (`neighbors`, `shrink`).
    var settings: [String: String] { get }
}
