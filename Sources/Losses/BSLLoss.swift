import Runs
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Bilateral softmax loss (BSL; Wu et al., ICDE 2024): the positive is left out of the
/// partition, and the negatives' log-partition gets a weight of its own.
///
///   loss = -z_+ + w * log(sum_j exp(z_j)),   z = <u, v> / tau - logQ_j (negatives).
///
/// With w = 1 this is the softmax without the positive in the denominator. The authors'
/// Gowalla recipe has tau = 0.08 and w = 1.22 (their tau2, a power on the partition, which
/// makes the loss more robust to noisy negatives: a distributionally robust view of the
/// softmax). Gradient: d/dz_+ = -1, d/dz_j = w * softmax_j over the unmasked negatives.
/// A row whose negatives are all masked contributes -z_+ only.
public final class BSLLoss: Loss {
    /// Temperature tau of every logit.
    public let temperature: Float
    /// Weight w of the negatives' log-partition.
    public let weight: Float

    /// A BSL loss with temperature `tau` and log-partition weight `weight`.
    public init(temperature: Float, weight: Float) {
        self.temperature = temperature
        self.weight = weight
    }

    public var kind: LossKind { .bsl }
    public var logitScale: Float { 1 / temperature }
    public var logQInLogits: Bool { true }

    public func row(_ r: LossRow, refill: () -> Void) -> Float {
        let row = r.logits, width = r.width
        let posLogit = row[0]
        let (sum, shift) = MaskedExp.expInPlace(r, from: 1, shift: r.upperBound, minimum: r.lowerBound, refill: refill)
        row[0] = -1 / r.batchSize
        guard sum > 0 else { return -posLogit }
        let scale = weight / (sum * r.batchSize)
        for j in 1..<width { row[j] *= scale }
        return weight * (logf(sum) + shift) - posLogit
    }
}
