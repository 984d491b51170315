import NumCore
import Datasets

/// Most popular: every user gets the same ranking, by the item's number of training
/// interactions (ties to the lower item index, as everywhere in evaluation).
public struct MostPopular: Baseline {
    /// The training count of every item, once fitted.
    public private(set) var counts: [Float] = []

    /// An unfitted baseline.
    public init() {}

    public mutating func fit(_ train: Interactions, pool: WorkerPool) {
        counts = train.itemCounts().map(Float.init)
    }

    public func score(history: ArraySlice<Int32>, into scores: UnsafeMutableBufferPointer<Float>) {
        precondition(scores.count == counts.count, "MostPopular: \(scores.count) scores for \(counts.count) items (fitted?)")
        for j in 0..<counts.count { scores[j] += counts[j] }
    }

    public var settings: [String: String] { [:] }
}
