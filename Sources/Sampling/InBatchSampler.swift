import Foundation
import NumCore
import Datasets

/// In-batch negatives: every row is contrasted with the positives of the other rows. Items
/// enter a batch in proportion to their training frequency, so the shared pool carries logQ
/// = log(count_i / total interactions) for the popularity correction (Yi et al., RecSys 2019).
public final class InBatchSampler: NegativeSampler {
    public let name = "inbatch"
    private let logQ: [Float]
    /// Whether to apply the logQ correction.
    public let correct: Bool

    /// An in-batch sampler; `logQCorrection` subtracts log frequency from each in-batch logit.
    public init(context: SamplingContext, logQCorrection: Bool = true) {
        let total = Double(max(1, context.itemCounts.reduce(0, +)))
        logQ = context.itemCounts.map { Float(log(max(Double($0), 0.5) / total)) }
        correct = logQCorrection
    }

    public func sample(_ batch: BatchRequest, scorer: CandidateScorer?, rng: inout RandomSource) -> NegativeBatch {
        var out = NegativeBatch()
        out.shared = batch.positives
        if correct { out.sharedLogQ = batch.positives.map { logQ[Int($0)] } }
        return out
    }
}
