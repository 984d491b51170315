import Runs
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sampled softmax (InfoNCE): the positive competes with the negatives inside one partition.
///
///   loss = log(exp(z_+) + sum_j exp(z_j)) - z_+,   z = <u, v> / tau - logQ_j (negatives),
///
/// with masked negatives left out of the sum. Gradient: softmax(z) - onehot(positive).
public final class SoftmaxLoss: Loss {
    /// Temperature tau.
    public let temperature: Float

    /// A softmax loss with temperature `tau`.
    public init(temperature: Float) { self.temperature = temperature }

    public var kind: LossKind { .softmax }
    public var logitScale: Float { 1 / temperature }
    public var logQInLogits: Bool { true }

    public func row(_ r: LossRow, refill: () -> Void) -> Float {
        let row = r.logits, width = r.width
        let posLogit = row[0]
        let (sum, shift) = MaskedExp.expInPlace(r, from: 0, shift: r.upperBound, minimum: r.lowerBound, refill: refill)
        // -log softmax of the positive, in log space (exact even if its exp underflowed).
        let loss = logf(sum) + shift - posLogit
        let scale = 1 / (sum * r.batchSize)
        for j in 0..<width { row[j] *= scale }
        row[0] -= 1 / r.batchSize
        return loss
    }
}
