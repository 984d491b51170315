import Runs
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Cosine contrastive loss (CCL; Mao et al., SimpleX, CIKM 2021) on raw cosine scores s:
///
///   loss = relu(1 - s_+) + w * mean_j relu(s_j - margin),
///
/// the mean taken over the unmasked negatives. Negatives below the margin cost nothing, so
/// the many easy negatives of a large pool do not drown the few informative ones; the weight
/// w balances the two terms (SimpleX's Gowalla recipe: margin 0.9, w 150, 800 negatives).
///
/// logQ correction becomes importance weights: with `log(n q_j)` given, the mean over the
/// negatives is the self-normalised average with weights `exp(-log(n q_j))`, an estimate of
/// the mean over a uniform draw.
public final class CCLLoss: Loss {
    /// Margin below which a negative costs nothing.
    public let margin: Float
    /// Weight w of the negatives' mean.
    public let weight: Float

    /// A CCL loss with the given margin and negative weight.
    public init(margin: Float, weight: Float) {
        self.margin = margin
        self.weight = weight
    }

    public var kind: LossKind { .ccl }
    public var logitScale: Float { 1 }
    public var logQInLogits: Bool { false }

    public func row(_ r: LossRow, refill: () -> Void) -> Float {
        let row = r.logits, width = r.width, m = margin
        let pos = row[0]
        // Masked columns drop out: relu(-inf - m) = 0 with a zero gradient.
        r.forEachMasked { j in row[j] = -.infinity }
        var total: Float = 0, norm: Float = 0
        if let logQ = r.logQ {
            // Self-normalised importance weights a_j = exp(-logQ_j); the gradient is
            // w a_j / A where s_j > margin.
            for j in 1..<width where row[j] > -.infinity {
                let a = expf(-logQ[j])
                norm += a
                let x = row[j] - m
                if x > 0 { total += a * x; row[j] = a } else { row[j] = 0 }
            }
            for j in 1..<width where row[j] == -.infinity { row[j] = 0 }
        } else {
            norm = Float(width - 1 - r.maskedCount)
            for j in 1..<width {
                let x = row[j] - m
                if x > 0 { total += x; row[j] = 1 } else { row[j] = 0 }
            }
        }
        let scale = norm > 0 ? weight / (norm * r.batchSize) : 0
        for j in 1..<width { row[j] *= scale }
        row[0] = pos < 1 ? -1 / r.batchSize : 0
        return max(0, 1 - pos) + (norm > 0 ? weight * total / norm : 0)
    }
}
