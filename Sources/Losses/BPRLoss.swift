#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NumCore
import Runs

/// Bayesian personalised ranking (BPR; Rendle et al., UAI 2009), averaged over a row's
/// negatives:
///
///   loss = mean_j softplus(z_j - z_+) = mean_j -log sigmoid(z_+ - z_j),
///   z = <u, v> / tau - logQ_j (negatives),
///
/// the mean taken over the unmasked negatives. Gradient: d/dz_j = sigmoid(z_j - z_+) / n and
/// d/dz_+ = -sum_j d/dz_j.
public final class BPRLoss: Loss {
    /// Temperature tau (scores are cosines, so BPR needs one too).
    public let temperature: Float

    /// A BPR loss with temperature `tau`.
    public init(temperature: Float) { self.temperature = temperature }

    public var kind: LossKind { .bpr }
    public var logitScale: Float { 1 / temperature }
    public var logQInLogits: Bool { true }

    public func row(_ r: LossRow, refill: () -> Void) -> Float {
        let row = r.logits, width = r.width
        let count = width - 1 - r.maskedCount
        guard count > 0 else { for j in 0..<width { row[j] = 0 }; return 0 }
        let pos = row[0]
        // Masked columns drop out: far below the positive, softplus is 0 in Float; their tiny
        // sigmoid is taken back out of the positive's gradient below.
        r.forEachMasked { j in row[j] = pos - 80 }
        // Pass 1: e_j = exp(z_j - z_+) in place. Within the exp's range (every row whose
        // bounds keep z_j - z_+ in [-87, 88]: always with cosine logits) no clamping is needed.
        let inRange = r.upperBound - pos <= 88
        _ = VectorMath.expShiftedInPlace(row + 1, width - 1, shift: pos, minimum: inRange ? min(r.lowerBound, pos - 80) : -.infinity)
        // Pass 2: softplus = log(1 + e) into the loss, sigmoid = e / (1 + e), over n B, into the
        // row. When four factors 1 + e stay below e^80, one log of their product serves four
        // vectors. (Two simple loops: one fused loop compiled to scalar pieces and ran 4x slower.)
        typealias V = SIMD8<Float>
        let scale = V(repeating: 1 / (Float(count) * r.batchSize))
        var loss = V(), gradient = V()
        var j = 1
        @inline(__always) func sigmoid(_ p: UnsafeMutableRawPointer) -> V {
            let e = p.loadUnaligned(as: V.self)
            let onePlus = 1 + e
            let g = e / onePlus * scale
            gradient += g
            p.storeBytes(of: g, as: V.self)
            return onePlus
        }
        if 4 * max(0, r.upperBound - pos) < 80 {
            while j + 32 <= width {
                let a = sigmoid(UnsafeMutableRawPointer(row + j)), b = sigmoid(UnsafeMutableRawPointer(row + j + 8))
                let c = sigmoid(UnsafeMutableRawPointer(row + j + 16)), d = sigmoid(UnsafeMutableRawPointer(row + j + 24))
                loss += VectorMath.log8((a * b) * (c * d))
                j += 32
            }
        }
        while j + 8 <= width {
            loss += VectorMath.log8(sigmoid(UnsafeMutableRawPointer(row + j)))
            j += 8
        }
        var tail: Float = 0
        while j < width {
            let e = row[j]
            tail += log1pf(e)
            let g = e / (1 + e) * scale[0]
            gradient[0] += g
            row[j] = g
            j += 1
        }
        var gPos = gradient.sum()
        r.forEachMasked { j in gPos -= row[j]; row[j] = 0 }
        row[0] = -gPos
        return (loss.sum() + tail) / Float(count)
    }
}
