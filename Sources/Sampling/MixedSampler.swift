import Foundation
import NumCore
import Datasets

/// Debiased mixed negative sampling (MNS, Yang et al. 2020): the batch's positives (in-batch,
/// frequency-skewed) plus a uniform pool, shared by the batch. Each shared negative carries the
/// log of its mixture proposal probability,
/// q_i = (B * f_i + U / n) / (B + U), with f_i the training frequency share and n the catalogue size,
/// so the logQ correction removes both skews consistently. Per-positive negatives are uniform.
public final class MixedSampler: NegativeSampler {
    public let name = "mns"
    private let uniform: UniformSampler
    private let frequency: [Double]
    private let numItems: Int
    /// Size of the uniform part of the pool, and negatives per positive.
    public let uniformCount: Int, perPositive: Int

    /// A mixed sampler with `uniformCount` uniform items added to the in-batch pool.
    public init(context: SamplingContext, uniformCount: Int, perPositive: Int) {
        uniform = UniformSampler(context: context, shared: uniformCount, perPositive: perPositive)
        let total = Double(max(1, context.itemCounts.reduce(0, +)))
        frequency = context.itemCounts.map { Double($0) / total }
        numItems = context.numItems
        self.uniformCount = uniform.sharedCount
        self.perPositive = perPositive
    }

    public func sample(_ batch: BatchRequest, scorer: CandidateScorer?, rng: inout RandomSource) -> NegativeBatch {
        var out = uniform.sample(batch, scorer: nil, rng: &rng)
        out.shared = batch.positives + out.shared
        let B = Double(batch.count), U = Double(uniformCount), n = Double(numItems)
        out.sharedLogQ = out.shared.map { Float(log((B * frequency[Int($0)] + U / n) / (B + U))) }
        return out
    }
}
