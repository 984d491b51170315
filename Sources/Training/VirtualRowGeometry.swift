import NumCore
import Sampling

/// The terms of one virtual vector: `count` (source, weight) pairs, source `-1` being the row's
/// positive and `0..<M` its per-positive negatives.
struct RecipeTerms {
    let source: UnsafePointer<Int32>, weight: UnsafePointer<Float>, count: Int
}

/// The recipes of a batch as raw pointers, valid inside ``VirtualRecipes/withTable(_:)``.
struct RecipeTable {
    let starts: UnsafePointer<Int32>, sources: UnsafePointer<Int32>, weights: UnsafePointer<Float>

    /// The terms of virtual vector `r`.
    @inline(__always)
    subscript(r: Int) -> RecipeTerms {
        let lo = Int(starts[r]), hi = Int(starts[r + 1])
        return RecipeTerms(source: sources + lo, weight: weights + lo, count: hi - lo)
    }
}

extension VirtualRecipes {
    /// Calls `body` with the recipes as a ``RecipeTable``, valid inside `body`.
    @inline(__always)
    func withTable<R>(_ body: (RecipeTable) -> R) -> R {
        termStart.withUnsafeBufferPointer { starts in
            termSource.withUnsafeBufferPointer { sources in
                termWeight.withUnsafeBufferPointer { weights in
                    // An empty array's buffer may have no base address; nothing reads it then.
                    let src = sources.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<Int32>.alignment)!
                    let w = weights.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<Float>.alignment)!
                    return body(RecipeTable(starts: starts.baseAddress!, sources: src, weights: w))
                }
            }
        }
    }
}

/// One row's real vectors as seen by its virtual negatives: e_0 (the positive) and e_1...e_M
/// (the per-positive negatives), their Gram matrix G and their dots with the user, plus the
/// backward's coefficients. K = M + 1 vectors, padded with zero vectors to Kp, a multiple of 8.
///
/// When Kp = 8 (up to 7 per-positive negatives, the default of every sampler with virtual
/// negatives) a recipe is one dense SIMD8 vector built in registers and every per-recipe
/// quantity is a handful of 8-wide operations; otherwise the recipe's terms are scattered into
/// a dense buffer. Not thread-safe: one per thread.
final class VirtualRowGeometry {
    typealias V8 = SIMD8<Float>
    let K: Int, Kp: Int, d: Int
    /// e[t] for t < K, then a zero vector up to Kp.
    let e: UnsafeMutablePointer<UnsafePointer<Float>>
    /// G (Kp x Kp, row-major) and <u, e_t> (Kp).
    let gram: UnsafeMutablePointer<Float>, ue: UnsafeMutablePointer<Float>
    /// Backward: a_t (Kp) and C (Kp x Kp).
    let a: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>
    private let w: UnsafeMutablePointer<Float>, gw: UnsafeMutablePointer<Float>
    let zero: UnsafeMutablePointer<Float>
    /// The 8 x 8 identity: row t is the one-hot vector of lane t (SIMD comparisons compile to
    /// scalar lane loops, loads of these rows do not).
    private let identity: UnsafeMutablePointer<Float>

    init(K: Int, d: Int) {
        self.K = K; self.d = d
        Kp = (K + 7) / 8 * 8
        func zeroed(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1))
            p.initialize(repeating: 0, count: max(n, 1))
            return p
        }
        gram = zeroed(Kp * Kp); ue = zeroed(Kp); a = zeroed(Kp); c = zeroed(Kp * Kp)
        w = zeroed(Kp); gw = zeroed(Kp); zero = zeroed(d)
        identity = zeroed(64)
        for t in 0..<8 { identity[9 * t] = 1 }
        e = .allocate(capacity: Kp)
        e.initialize(repeating: UnsafePointer(zero), count: Kp)
    }

    deinit {
        for p in [gram, ue, a, c, w, gw, zero, identity] { p.deallocate() }
        e.deallocate()
    }

    /// Points at row `b`'s positive and per-positive negatives.
    @inline(__always)
    func setVectors(b: Int, M: Int, _ perPositive: Matrix?, _ positives: Matrix) {
        e[0] = UnsafePointer(positives.row(b))
        if let pp = perPositive { for j in 0..<M { e[1 + j] = UnsafePointer(pp.row(b * M + j)) } }
    }

    /// Computes <u, e_t> and the Gram entries that the recipes `terms(first + v)`, v < `count`,
    /// read, for the vectors set by ``setVectors``: with Kp = 8 only the pairs of vectors that
    /// share a recipe (the others zero; see `VirtualRowPairs.swift`), otherwise all of G.
    func computeGram(user u: UnsafePointer<Float>, recipes terms: (Int) -> RecipeTerms, first: Int, count: Int) {
        if Kp == 8 {
            computeGram8(user: u, pairs: Self.sharedRecipePairs(terms, first: first, count: count))
            return
        }
        for t in 0..<K {
            ue[t] = VectorMath.dot(u, e[t], d)
            for t2 in 0...t {
                let g = VectorMath.dot(e[t], e[t2], d)
                gram[t * Kp + t2] = g
                gram[t2 * Kp + t] = g
            }
        }
    }

    /// Like ``dotAndSquaredNorm(_:)`` for up to eight recipes at once (Kp = 8 only): lane i
    /// of the results belongs to `terms(first + i)`, lanes from `count` on are zero. The
    /// horizontal sums of all eight are folded together.
    @inline(__always)
    func dotsAndSquaredNorms8(_ terms: (Int) -> RecipeTerms, first: Int, count: Int) -> (dots: V8, squaredNorms: V8) {
        precondition(Kp == 8 && count <= 8)
        let g0 = loadV8(gram), g1 = loadV8(gram + 8), g2 = loadV8(gram + 16), g3 = loadV8(gram + 24)
        let g4 = loadV8(gram + 32), g5 = loadV8(gram + 40), g6 = loadV8(gram + 48), g7 = loadV8(gram + 56)
        let uev = loadV8(ue)
        @inline(__always) func products(_ i: Int) -> (V8, V8) {
            guard i < count else { return (V8(), V8()) }
            let w = dense8(terms(first + i))
            var gw = V8(repeating: w[0]) * g0
            gw = gw.addingProduct(V8(repeating: w[1]), g1); gw = gw.addingProduct(V8(repeating: w[2]), g2)
            gw = gw.addingProduct(V8(repeating: w[3]), g3); gw = gw.addingProduct(V8(repeating: w[4]), g4)
            gw = gw.addingProduct(V8(repeating: w[5]), g5); gw = gw.addingProduct(V8(repeating: w[6]), g6)
            gw = gw.addingProduct(V8(repeating: w[7]), g7)
            return (w * uev, w * gw)
        }
        let (s0, n0) = products(0), (s1, n1) = products(1), (s2, n2) = products(2), (s3, n3) = products(3)
        let (s4, n4) = products(4), (s5, n5) = products(5), (s6, n6) = products(6), (s7, n7) = products(7)
        return (Self.sums8(s0, s1, s2, s3, s4, s5, s6, s7), Self.sums8(n0, n1, n2, n3, n4, n5, n6, n7))
    }

    /// <u, z> and ||z||^2 for the virtual vector z = sum of `terms` (any Kp; with Kp = 8,
    /// ``dotsAndSquaredNorms8(_:first:count:)`` does eight at a time).
    @inline(__always)
    func dotAndSquaredNorm(_ terms: RecipeTerms) -> (dot: Float, squaredNorm: Float) {
        // G w as a sum over the terms of rows of G (G is symmetric); repeated sources add up.
        gw.update(repeating: 0, count: Kp)
        for i in 0..<terms.count {
            let t = Int(terms.source[i]) + 1, wi = terms.weight[i]
            w[t] += wi
            VectorMath.axpy(wi, gram + t * Kp, gw, Kp)
        }
        let result = (VectorMath.dot(w, ue, Kp), VectorMath.dot(w, gw, Kp))
        for i in 0..<terms.count { w[Int(terms.source[i]) + 1] = 0 }
        return result
    }

    /// Clears the backward's coefficients.
    func clearCoefficients() {
        a.update(repeating: 0, count: Kp)
        c.update(repeating: 0, count: Kp * Kp)
    }

    /// Sets a and C from all of a row's recipes at once (Kp = 8 only), with a and the rows of
    /// C held in registers: `coefficients(v)` gives recipe v's terms, hn and cz, or nil to skip it.
    /// Returns whether any recipe contributed.
    @inline(__always)
    func accumulateAll8(count: Int, _ coefficients: (Int) -> (terms: RecipeTerms, hn: Float, cz: Float)?) -> Bool {
        precondition(Kp == 8)
        var av = V8(), c0 = V8(), c1 = V8(), c2 = V8(), c3 = V8(), c4 = V8(), c5 = V8(), c6 = V8(), c7 = V8()
        var any = false
        for v in 0..<count {
            guard let (terms, hn, cz) = coefficients(v) else { continue }
            any = true
            let w = dense8(terms), cw = cz * w
            av = av.addingProduct(V8(repeating: hn), w)
            c0 = c0.addingProduct(V8(repeating: cw[0]), w); c1 = c1.addingProduct(V8(repeating: cw[1]), w)
            c2 = c2.addingProduct(V8(repeating: cw[2]), w); c3 = c3.addingProduct(V8(repeating: cw[3]), w)
            c4 = c4.addingProduct(V8(repeating: cw[4]), w); c5 = c5.addingProduct(V8(repeating: cw[5]), w)
            c6 = c6.addingProduct(V8(repeating: cw[6]), w); c7 = c7.addingProduct(V8(repeating: cw[7]), w)
        }
        storeV8(av, a)
        storeV8(c0, c); storeV8(c1, c + 8); storeV8(c2, c + 16); storeV8(c3, c + 24)
        storeV8(c4, c + 32); storeV8(c5, c + 40); storeV8(c6, c + 48); storeV8(c7, c + 56)
        return any
    }

    /// a += hn w and C += cz w w^T for the recipe w given by `terms` (any Kp; with Kp = 8,
    /// ``accumulateAll8(count:_:)`` does a whole row in registers).
    @inline(__always)
    func accumulate(_ terms: RecipeTerms, hn: Float, cz: Float) {
        for i in 0..<terms.count { w[Int(terms.source[i]) + 1] += terms.weight[i] }
        VectorMath.axpy(hn, w, a, Kp)
        for i in 0..<terms.count { VectorMath.axpy(cz * terms.weight[i], w, c + (Int(terms.source[i]) + 1) * Kp, Kp) }
        for i in 0..<terms.count { w[Int(terms.source[i]) + 1] = 0 }
    }

    /// out += uCoef * u + sum_t coef[t] * e_t over `d` floats (t < Kp; with Kp = 8, the terms
    /// with a zero coefficient are skipped, which adds the same bits).
    func combine(uCoef: Float, _ u: UnsafePointer<Float>, coef: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        if Kp == 8 {
            combineNonzero8(uCoef: uCoef, u, coef: coef, into: out)
        } else {
            Self.combine(uCoef: uCoef, u, vectors: UnsafePointer(e), weights: coef, count: Kp, d: d, into: out)
        }
    }

    /// out += uCoef * u + sum_{j < count} weights[j] * vectors[j] over `d` floats, 16 columns
    /// at a time in registers, the terms added in order.
    @inline(__always)
    static func combine(uCoef: Float, _ u: UnsafePointer<Float>, vectors: UnsafePointer<UnsafePointer<Float>>,
                        weights: UnsafePointer<Float>, count: Int, d: Int, into out: UnsafeMutablePointer<Float>) {
        var c = 0
        while c + 16 <= d {
            let wu = V8(repeating: uCoef)
            var acc0 = loadV8(out + c).addingProduct(wu, loadV8(u + c))
            var acc1 = loadV8(out + c + 8).addingProduct(wu, loadV8(u + c + 8))
            for j in 0..<count {
                let w = V8(repeating: weights[j]), x = vectors[j] + c
                acc0 = acc0.addingProduct(w, loadV8(x))
                acc1 = acc1.addingProduct(w, loadV8(x + 8))
            }
            storeV8(acc0, out + c)
            storeV8(acc1, out + c + 8)
            c += 16
        }
        while c < d {
            var s = out[c] + uCoef * u[c]
            for j in 0..<count { s += weights[j] * vectors[j][c] }
            out[c] = s
            c += 1
        }
    }

    /// A recipe of sources among the first 8 vectors as a dense vector, built in registers.
    @inline(__always)
    private func dense8(_ terms: RecipeTerms) -> V8 {
        var w = V8()
        for i in 0..<terms.count {
            w = w.addingProduct(V8(repeating: terms.weight[i]), loadV8(identity + 8 * Int(terms.source[i] &+ 1)))
        }
        return w
    }

    /// (<x, e_0>, ..., <x, e_7>) over `d` floats: eight accumulators, reduced together.
    @inline(__always)
    static func dots8(_ x: UnsafePointer<Float>, _ e: UnsafePointer<UnsafePointer<Float>>, _ d: Int) -> V8 {
        let (e0, e1, e2, e3, e4, e5, e6, e7) = (e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7])
        var (a0, a1, a2, a3, a4, a5, a6, a7) = (V8(), V8(), V8(), V8(), V8(), V8(), V8(), V8())
        var c = 0
        while c + 8 <= d {
            let xv = loadV8(x + c)
            a0 = a0.addingProduct(xv, loadV8(e0 + c)); a1 = a1.addingProduct(xv, loadV8(e1 + c))
            a2 = a2.addingProduct(xv, loadV8(e2 + c)); a3 = a3.addingProduct(xv, loadV8(e3 + c))
            a4 = a4.addingProduct(xv, loadV8(e4 + c)); a5 = a5.addingProduct(xv, loadV8(e5 + c))
            a6 = a6.addingProduct(xv, loadV8(e6 + c)); a7 = a7.addingProduct(xv, loadV8(e7 + c))
            c += 8
        }
        var out = sums8(a0, a1, a2, a3, a4, a5, a6, a7)
        while c < d {
            out += x[c] * V8(e0[c], e1[c], e2[c], e3[c], e4[c], e5[c], e6[c], e7[c])
            c += 1
        }
        return out
    }

    /// (sum of a0, ..., sum of a7) by pairwise halving: after three rounds lane j holds the sum of a_j.
    @inline(__always)
    static func sums8(_ a0: V8, _ a1: V8, _ a2: V8, _ a3: V8, _ a4: V8, _ a5: V8, _ a6: V8, _ a7: V8) -> V8 {
        @inline(__always) func fold(_ p: V8, _ q: V8) -> V8 { V8(lowHalf: p.evenHalf + p.oddHalf, highHalf: q.evenHalf + q.oddHalf) }
        return fold(fold(fold(a0, a1), fold(a2, a3)), fold(fold(a4, a5), fold(a6, a7)))
    }
}

@inline(__always) func loadV8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always) func loadV8(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> { loadV8(UnsafePointer(p)) }

@inline(__always) func storeV8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}
