import Foundation

/// The training losses computed directly in Double, one row at a time: the references the
/// fast row functions (`Sources/Losses`) and the batch engine are checked against.
///
/// A row is a positive and its unmasked negatives. For the softmax family and BPR the values
/// are logits with logQ already subtracted from the negatives; CCL and Adap-tau take raw
/// cosines and the logQ values separately.
public enum LossReference {
    /// log(sum(exp(x))).
    public static func logSumExp(_ x: [Double]) -> Double {
        guard let m = x.max() else { return -.infinity }
        return m + log(x.reduce(0) { $0 + exp($1 - m) })
    }

    /// Sampled softmax: -log(e^pos / (e^pos + sum e^neg)).
    public static func softmax(positive: Double, negatives: [Double]) -> Double {
        logSumExp([positive] + negatives) - positive
    }

    /// BSL: -pos + w log(sum e^neg); with no negatives, -pos.
    public static func bsl(positive: Double, negatives: [Double], weight: Double) -> Double {
        negatives.isEmpty ? -positive : weight * logSumExp(negatives) - positive
    }

    /// CCL on cosines: relu(1 - pos) + w * mean relu(neg - margin), the mean weighted by
    /// exp(-logQ) when logQ is given.
    public static func ccl(positive: Double, negatives: [Double], logQ: [Double]?, margin: Double, weight: Double) -> Double {
        let a = logQ.map { $0.map { exp(-$0) } } ?? [Double](repeating: 1, count: negatives.count)
        let norm = a.reduce(0, +)
        var total = 0.0
        for (j, s) in negatives.enumerated() { total += a[j] * max(0, s - margin) }
        return max(0, 1 - positive) + (norm > 0 ? weight * total / norm : 0)
    }

    /// Adap-tau on cosines: -w0 pos + log(sum exp(wu * neg - logQ)).
    public static func adaptau(positive: Double, negatives: [Double], logQ: [Double]?, w0: Double, wu: Double) -> Double {
        let z = negatives.enumerated().map { wu * $0.element - (logQ?[$0.offset] ?? 0) }
        return (z.isEmpty ? 0 : logSumExp(z)) - w0 * positive
    }

    /// BPR: mean over negatives of log(1 + e^(neg - pos)).
    public static func bpr(positive: Double, negatives: [Double]) -> Double {
        guard !negatives.isEmpty else { return 0 }
        return negatives.reduce(0) { $0 + log1p(exp($1 - positive)) } / Double(negatives.count)
    }
}
