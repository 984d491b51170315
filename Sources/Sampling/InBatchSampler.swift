import Foundation
import Runs
import NumCore
import Datasets

/// In-batch negatives: every row is contrasted with the positives of other rows. Items enter a
/// batch in proportion to their training frequency, so each negative carries logQ =
/// log(count_i / total interactions) for the popularity correction (Yi et al., RecSys 2019).
///
/// The budget can be matched to any other sampler's:
/// - `shared`: the positives of `shared` rows, chosen at random, form a pool shared by the
///   batch (all rows' positives when `shared >= batch size`; none when 0);
/// - `perPositive`: each row also gets that many positives of other rows, drawn uniformly.
public final class InBatchSampler: NegativeSampler {
    public var kind: SamplerKind { .inbatch }
    private let logQ: [Float]
    /// Whether to apply the logQ correction.
    public let correct: Bool
    /// Size of the shared pool (`Int.max` = every positive of the batch).
    public let sharedCount: Int
    /// Negatives per positive drawn from the other rows.
    public let perPositive: Int

    /// An in-batch sampler; `logQCorrection` subtracts log frequency from each in-batch logit.
    public init(context: SamplingContext, shared: Int = .max, perPositive: Int = 0, logQCorrection: Bool = true) {
        logQ = Self.logFrequency(context)
        correct = logQCorrection
        sharedCount = max(0, shared)
        self.perPositive = max(0, perPositive)
    }

    /// log(count_i / total) per item; items never seen in training count as half an interaction.
    static func logFrequency(_ context: SamplingContext) -> [Float] {
        let total = Double(max(1, context.itemCounts.reduce(0, +)))
        return context.itemCounts.map { Float(log(max(Double($0), 0.5) / total)) }
    }

    public func sample(_ batch: BatchRequest, scorer: CandidateScorer?, pool: WorkerPool = .shared, rng: inout RandomSource) -> NegativeBatch {
        var out = NegativeBatch()
        out.shared = Self.positiveSubset(batch, count: sharedCount, rng: &rng)
        if perPositive > 0 {
            out.perPositiveCount = perPositive
            out.perPositive = Self.otherRowsPositives(batch, perRow: perPositive, rng: &rng)
        }
        if correct {
            out.sharedLogQ = out.shared.map { logQ[Int($0)] }
            out.perPositiveLogQ = out.perPositive.map { logQ[Int($0)] }
        }
        return out
    }

    /// The positives of `count` distinct rows (all rows, in order, when `count >= batch.count`).
    static func positiveSubset(_ batch: BatchRequest, count: Int, rng: inout RandomSource) -> [Int32] {
        let B = batch.count
        if count >= B { return batch.positives }
        guard count > 0 else { return [] }
        var rows = Array(0..<B)
        for i in 0..<count { rows.swapAt(i, i + rng.below(B - i)) }
        return rows[0..<count].map { batch.positives[$0] }
    }

    /// For each row, `perRow` positives of other rows drawn uniformly with replacement (the
    /// row's own positive when the batch has one row; the trainer's mask removes it).
    static func otherRowsPositives(_ batch: BatchRequest, perRow: Int, rng: inout RandomSource) -> [Int32] {
        let B = batch.count
        var out = [Int32](repeating: 0, count: B * perRow)
        for b in 0..<B {
            for m in 0..<perRow { out[b * perRow + m] = batch.positives[otherRow(b, of: B, rng: &rng)] }
        }
        return out
    }

    /// A row other than `b`, uniformly among the batch's `B` rows (`b` itself when B = 1).
    @inline(__always)
    static func otherRow(_ b: Int, of B: Int, rng: inout RandomSource) -> Int {
        guard B > 1 else { return b }
        let r = rng.below(B - 1)
        return r >= b ? r + 1 : r
    }
}
