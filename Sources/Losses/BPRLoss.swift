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
        // Masked columns drop out: softplus(-inf) = 0 (exp8 clamps to e^-87, whose log1p is 0);
        // their tiny sigmoid is taken back out of the positive's gradient below.
        r.forEachMasked { j in row[j] = -.infinity }
        typealias V = SIMD8<Float>
        let shift = V(repeating: pos), scale = V(repeating: 1 / (Float(count) * r.batchSize))
        var loss = V(), gradient = V()
        // One pass: softplus(z_j - z_+) into the loss, sigmoid(z_j - z_+) / (n B) into the row.
        // The softplus terms are logs of 1 + e^x: when the row's bounds keep four such factors
        // below e^80, one log of their product serves four vectors.
        var j = 1
        @inline(__always) func step(_ p: UnsafeMutableRawPointer) -> V {
            let e = VectorMath.exp8(p.loadUnaligned(as: V.self) - shift)
            let onePlus = 1 + e
            let g = e / onePlus * scale
            gradient += g
            p.storeBytes(of: g, as: V.self)
            return onePlus
        }
        if 4 * max(0, r.upperBound - pos) < 80 {
            while j + 32 <= width {
                let a = step(UnsafeMutableRawPointer(row + j)), b = step(UnsafeMutableRawPointer(row + j + 8))
                let c = step(UnsafeMutableRawPointer(row + j + 16)), d = step(UnsafeMutableRawPointer(row + j + 24))
                loss += VectorMath.log8((a * b) * (c * d))
                j += 32
            }
        }
        while j + 8 <= width {
            loss += VectorMath.log8(step(UnsafeMutableRawPointer(row + j)))
            j += 8
        }
        if j < width {
            var x = V(repeating: -.infinity)
            for t in 0..<(width - j) { x[t] = row[j + t] - pos }
            let e = VectorMath.exp8(x), onePlus = 1 + e
            let sp = VectorMath.log8(onePlus), g = e / onePlus * scale
            for t in 0..<(width - j) { loss[t] += sp[t]; gradient[t] += g[t]; row[j + t] = g[t] }
        }
        var gPos = gradient.sum()
        r.forEachMasked { j in gPos -= row[j]; row[j] = 0 }
        row[0] = -gPos
        return loss.sum() / Float(count)
    }
}
