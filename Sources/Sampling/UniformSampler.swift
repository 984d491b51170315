import Foundation
import Runs
import NumCore
import Datasets

/// UNS: items drawn uniformly from the catalogue, as a pool shared by the batch (distinct
/// items) and/or a number per positive. The proposal is uniform, so logQ is a constant and is
/// left out.
public final class UniformSampler: NegativeSampler {
    public var kind: SamplerKind { .uns }
    /// Size of the shared pool per batch.
    public let sharedCount: Int
    /// Negatives per positive.
    public let perPositive: Int
    private let numItems: Int
    private var seen: [Bool]

    /// A sampler over `context.numItems` items.
    public init(context: SamplingContext, shared: Int, perPositive: Int) {
        numItems = context.numItems
        sharedCount = min(shared, context.numItems)
        self.perPositive = perPositive
        seen = [Bool](repeating: false, count: context.numItems)
    }

    public func sample(_ batch: BatchRequest, scorer: CandidateScorer?, pool: WorkerPool = .shared, rng: inout RandomSource) -> NegativeBatch {
        var out = NegativeBatch()
        if sharedCount > 0 {
            out.shared = distinctUniform(sharedCount, rng: &rng)
        }
        if perPositive > 0 {
            out.perPositiveCount = perPositive
            out.perPositive.reserveCapacity(batch.count * perPositive)
            for _ in 0..<(batch.count * perPositive) { out.perPositive.append(Int32(rng.below(numItems))) }
        }
        return out
    }

    /// `k` distinct items, uniformly (rejection of repeats; k is far below the catalogue size
    /// in practice, and a partial shuffle is used when it is not).
    func distinctUniform(_ k: Int, rng: inout RandomSource) -> [Int32] {
        var items: [Int32] = []
        items.reserveCapacity(k)
        if k * 4 > numItems {
            var all = (0..<numItems).map { Int32($0) }
            for i in 0..<k { all.swapAt(i, i + rng.below(numItems - i)) }
            return Array(all[0..<k])
        }
        while items.count < k {
            let j = rng.below(numItems)
            if !seen[j] { seen[j] = true; items.append(Int32(j)) }
        }
        for j in items { seen[Int(j)] = false }
        return items
    }
}
