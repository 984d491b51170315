import Foundation
import Runs
import NumCore
import Datasets

/// Debiased mixed negative sampling (MNS, Yang et al. 2020): in-batch negatives (frequency
/// skewed) mixed with uniform ones, each carrying the log of its mixture proposal probability
/// q_i = a f_i + (1 - a) / n, with f_i the item's training frequency share, n the catalogue size
/// and a the in-batch share, so the logQ correction removes both skews consistently.
///
/// The budget matches the other samplers': a shared pool of `shared` items is half the
/// positives of randomly chosen rows and half distinct uniform items; each of the
/// `perPositive` negatives of a row is another row's positive or a uniform item with
/// probability one half each.
public final class MixedSampler: NegativeSampler {
    public var kind: SamplerKind { .mns }
    private let uniform: UniformSampler
    private let frequency: [Double]
    private let numItems: Int
    /// Size of the shared pool, and negatives per positive.
    public let sharedCount: Int, perPositive: Int
    /// Whether each negative carries its logQ.
    public let logQCorrection: Bool

    /// A mixed sampler with a shared pool of `shared` items and `perPositive` per row.
    public init(context: SamplingContext, shared: Int, perPositive: Int, logQCorrection: Bool = true) {
        self.logQCorrection = logQCorrection
        uniform = UniformSampler(context: context, shared: 0, perPositive: 0)
        let total = Double(max(1, context.itemCounts.reduce(0, +)))
        frequency = context.itemCounts.map { Double($0) / total }
        numItems = context.numItems
        sharedCount = max(0, shared)
        self.perPositive = max(0, perPositive)
    }

    public func sample(_ batch: BatchRequest, scorer: CandidateScorer?, pool: WorkerPool = .shared, rng: inout RandomSource) -> NegativeBatch {
        var out = NegativeBatch()
        let n = Double(numItems)
        if sharedCount > 0 {
            let inBatch = InBatchSampler.positiveSubset(batch, count: min(batch.count, (sharedCount + 1) / 2), rng: &rng)
            let uniformPart = uniform.distinctUniform(min(numItems, sharedCount - inBatch.count), rng: &rng)
            out.shared = inBatch + uniformPart
            let a = Double(inBatch.count) / Double(out.shared.count)
            if logQCorrection { out.sharedLogQ = out.shared.map { Float(log(a * frequency[Int($0)] + (1 - a) / n)) } }
        }
        if perPositive > 0 {
            let B = batch.count
            out.perPositiveCount = perPositive
            out.perPositive = [Int32](repeating: 0, count: B * perPositive)
            for b in 0..<B {
                for m in 0..<perPositive {
                    if B > 1, rng.below(2) == 0 {
                        out.perPositive[b * perPositive + m] = batch.positives[InBatchSampler.otherRow(b, of: B, rng: &rng)]
                    } else {
                        out.perPositive[b * perPositive + m] = Int32(rng.below(numItems))
                    }
                }
            }
            if logQCorrection { out.perPositiveLogQ = out.perPositive.map { Float(log(0.5 * frequency[Int($0)] + 0.5 / n)) } }
        }
        return out
    }
}
