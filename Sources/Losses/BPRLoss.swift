import NumCore

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
        let pos = row[0]
        // Masked columns drop out: softplus(-inf) = 0 (exp8 clamps to e^-87, whose log1p is 0).
        r.forEachMasked { j in row[j] = -.infinity }
        typealias V = SIMD8<Float>
        let shift = V(repeating: pos)
        var acc = V()
        var j = 1
        while j + 8 <= width {
            let p = UnsafeMutableRawPointer(row + j)
            let e = VectorMath.exp8(p.loadUnaligned(as: V.self) - shift)
            let onePlus = 1 + e
            acc += VectorMath.log8(onePlus)
            p.storeBytes(of: e / onePlus, as: V.self)
            j += 8
        }
        if j < width {
            var x = V(repeating: -.infinity)
            for t in 0..<(width - j) { x[t] = row[j + t] - pos }
            let e = VectorMath.exp8(x), onePlus = 1 + e
            let sp = VectorMath.log8(onePlus), g = e / onePlus
            for t in 0..<(width - j) { acc[t] += sp[t]; row[j + t] = g[t] }
        }
        r.forEachMasked { j in row[j] = 0 }
        guard count > 0 else { row[0] = 0; return 0 }
        let scale = 1 / (Float(count) * r.batchSize)
        var gPos: Float = 0
        for j in 1..<width { row[j] *= scale; gPos += row[j] }
        row[0] = -gPos
        return acc.sum() / Float(count)
    }
}
