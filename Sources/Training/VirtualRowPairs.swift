/// The sparse side of ``VirtualRowGeometry`` (Kp = 8): a recipe mixes only a few of the row's
/// vectors (EDIS: easy negatives with each other, the positive with one hard negative), so
/// only the Gram entries of vectors that share a recipe are ever read, and most of the
/// backward's coefficients are zero.
///
/// Both shortcuts give the same bits as the dense computation: a Gram entry is the same dot
/// product with the same summation order (lane-wise fused multiply-adds over the row, then
/// the same pairwise tree as ``VirtualRowGeometry/sums8(_:_:_:_:_:_:_:_:)``); an entry no
/// recipe reads is set to zero, which only ever meets a zero weight; and a term skipped in
/// the backward has a zero coefficient, whose product would have added zero.
extension VirtualRowGeometry {
    /// Row t of the result has bit t' set when vectors t and t' (0 the positive, 1 + j
    /// per-positive negative j) appear in one recipe together; the recipes are `terms(first +
    /// v)` for v < `count`.
    @inline(__always)
    static func sharedRecipePairs(_ terms: (Int) -> RecipeTerms, first: Int, count: Int) -> SIMD8<UInt8> {
        var rows = SIMD8<UInt8>()
        for v in 0..<count {
            let r = terms(first + v)
            var set: UInt8 = 0
            for i in 0..<r.count { set |= 1 << UInt8(truncatingIfNeeded: r.source[i] &+ 1) }
            var m = set
            while m != 0 {
                rows[m.trailingZeroBitCount] |= set
                m &= m &- 1
            }
        }
        return rows
    }

    /// <u, e_t> and the Gram entries (t, t') whose bit is set in `pairs` (Kp = 8; see
    /// ``sharedRecipePairs(_:first:count:)``); the others are zero.
    func computeGram8(user u: UnsafePointer<Float>, pairs: SIMD8<UInt8>) {
        precondition(Kp == 8)
        storeV8(Self.dots8(u, e, d), ue)
        gram.update(repeating: 0, count: 64)
        var selected = (0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &selected) { raw in
            let sel = raw.baseAddress!.assumingMemoryBound(to: Int.self)
            for t in 0..<8 {
                // The lower triangle, t' <= t; the upper one is its mirror.
                var m = pairs[t] & UInt8(truncatingIfNeeded: (1 << (t + 1)) - 1)
                var n = 0
                while m != 0 { sel[n] = m.trailingZeroBitCount; n += 1; m &= m &- 1 }
                var i = 0
                while i < n {
                    let step = n - i >= 4 ? 4 : (n - i >= 2 ? 2 : 1)
                    let dots = Self.dots(e[t], with: e, sel + i, count: step, d)
                    for j in 0..<step {
                        let t2 = sel[i + j]
                        gram[8 * t + t2] = dots[j]
                        gram[8 * t2 + t] = dots[j]
                    }
                    i += step
                }
            }
        }
    }

    /// out += uCoef * u + sum_t coef[t] * e_t over the nonzero coefficients only (Kp = 8), the
    /// terms in the order of the dense kernel ``combine(uCoef:_:vectors:weights:count:d:into:)``.
    func combineNonzero8(uCoef: Float, _ u: UnsafePointer<Float>, coef: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        precondition(Kp == 8)
        let nonzero = loadV8(coef) .!= 0
        let z = UnsafePointer(zero)
        var vectors = (z, z, z, z, z, z, z, z)
        var weights = SIMD8<Float>()
        var n = 0
        withUnsafeMutableBytes(of: &vectors) { raw in
            let x = raw.baseAddress!.assumingMemoryBound(to: UnsafePointer<Float>.self)
            for t in 0..<8 where nonzero[t] { x[n] = e[t]; weights[n] = coef[t]; n += 1 }
        }
        if n == 0 && uCoef == 0 { return }
        withUnsafeBytes(of: &vectors) { rv in
            withUnsafeBytes(of: &weights) { rw in
                Self.combine(uCoef: uCoef, u, vectors: rv.baseAddress!.assumingMemoryBound(to: UnsafePointer<Float>.self),
                             weights: rw.baseAddress!.assumingMemoryBound(to: Float.self), count: n, d: d, into: out)
            }
        }
    }

    /// (<x, e[sel[0]]>, ..., <x, e[sel[count - 1]]>) in the first `count` lanes (1, 2 or 4),
    /// summed exactly as ``dots8(_:_:_:)`` sums each lane.
    @inline(__always)
    private static func dots(_ x: UnsafePointer<Float>, with e: UnsafePointer<UnsafePointer<Float>>, _ sel: UnsafePointer<Int>,
                             count: Int, _ d: Int) -> V8 {
        let z = V8()
        var c = 0
        var out: V8
        switch count {
        case 4:
            let (e0, e1, e2, e3) = (e[sel[0]], e[sel[1]], e[sel[2]], e[sel[3]])
            var (a0, a1, a2, a3) = (z, z, z, z)
            while c + 8 <= d {
                let xv = loadV8(x + c)
                a0 = a0.addingProduct(xv, loadV8(e0 + c)); a1 = a1.addingProduct(xv, loadV8(e1 + c))
                a2 = a2.addingProduct(xv, loadV8(e2 + c)); a3 = a3.addingProduct(xv, loadV8(e3 + c))
                c += 8
            }
            out = sums8(a0, a1, a2, a3, z, z, z, z)
        case 2:
            let (e0, e1) = (e[sel[0]], e[sel[1]])
            var (a0, a1) = (z, z)
            while c + 8 <= d {
                let xv = loadV8(x + c)
                a0 = a0.addingProduct(xv, loadV8(e0 + c)); a1 = a1.addingProduct(xv, loadV8(e1 + c))
                c += 8
            }
            out = sums8(a0, a1, z, z, z, z, z, z)
        default:
            let e0 = e[sel[0]]
            var a0 = z
            while c + 8 <= d {
                a0 = a0.addingProduct(loadV8(x + c), loadV8(e0 + c))
                c += 8
            }
            out = sums8(a0, z, z, z, z, z, z, z)
        }
        while c < d {
            for j in 0..<count { out[j] += x[c] * e[sel[j]][c] }
            c += 1
        }
        return out
    }
}
