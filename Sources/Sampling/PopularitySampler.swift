import Foundation
import Runs
import NumCore
import Datasets

/// PNS: negatives drawn with probability proportional to training frequency^alpha (alpha = 0.75
/// as in word2vec), from an alias table; logQ = log of that probability, so the loss can undo
/// the popularity skew.
public final class PopularitySampler: NegativeSampler {
    public var kind: SamplerKind { .pns }
    private let table: AliasTable
    private let logQ: [Float]
    /// Shared pool size and negatives per positive.
    public let sharedCount: Int, perPositive: Int
    /// Whether each negative carries its logQ.
    public let logQCorrection: Bool

    /// A popularity sampler; items never seen in training get the weight of a count of 0.5.
    public init(context: SamplingContext, alpha: Double = 0.75, shared: Int, perPositive: Int, logQCorrection: Bool = true) {
        self.logQCorrection = logQCorrection
        table = AliasTable(weights: Self.weights(context.itemCounts, alpha: alpha))
        logQ = table.weights.map { Float(log($0)) }
        sharedCount = shared
        self.perPositive = perPositive
    }

    /// PNS's item weights, training frequency^alpha, an item never seen counted as 0.5
    /// (also ESANS's popularity-weighted easy draw).
    static func weights(_ counts: [Int], alpha: Double = 0.75) -> [Double] { counts.map { pow(max(Double($0), 0.5), alpha) } }

    public func sample(_ batch: BatchRequest, scorer: CandidateScorer?, pool: WorkerPool = .shared, rng: inout RandomSource) -> NegativeBatch {
        var out = NegativeBatch()
        for _ in 0..<sharedCount { out.shared.append(table.draw(&rng)) }
        if logQCorrection { out.sharedLogQ = out.shared.map { logQ[Int($0)] } }
        if perPositive > 0 {
            out.perPositiveCount = perPositive
            for _ in 0..<(batch.count * perPositive) { out.perPositive.append(table.draw(&rng)) }
            if logQCorrection { out.perPositiveLogQ = out.perPositive.map { logQ[Int($0)] } }
        }
        return out
    }
}
