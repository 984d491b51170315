import NumCore
import Sampling

/// Virtual negatives (EDIS, MixGCF-style mixing) from a sampler's recipes, consumed as logits.
/// No virtual vector is ever built: every quantity is taken from small per-row Gram matrices.
///
/// Row b has K = M + 1 real vectors: e_0, its positive, and e_{1+j}, its per-positive negative j.
/// Virtual vector v of row b is x_v = z_v / n_v with z_v = sum_t w_vt e_t, so
///   s_v   = <u_b, z_v> = sum_t w_vt <u_b, e_t>,
///   n_v^2 = ||z_v||^2 = w_v^T G w_v,  with G = E E^T the row's K x K Gram matrix,
/// and the logit is s_v / (n_v tau).
///
/// Backward, with h_v = d(loss)/d<u, x_v>, hn_v = h_v / n_v and c_v = -hn_v s_v / n_v^2:
///   d/dz_v = hn_v u + c_v z_v,   d/de_t = sum_v w_vt d/dz_v,   d/du = sum_v hn_v z_v.
/// Collecting coefficients per row, a_t = sum_v hn_v w_vt and C_tt' = sum_v c_v w_vt w_vt':
///   d/du += sum_t a_t e_t,   d/de_t += a_t u + sum_t' C_tt' e_t'
/// (no gradient to the positive when the recipes detach it). A row costs O(K^2 d) however
/// many virtual vectors it has, instead of O(terms x d) twice over.
struct VirtualNegatives {
    let recipes: VirtualRecipes
    /// Logits `<u_b, x_v> / tau`, `B x V`.
    let logits: Matrix
    private let norms: Matrix, dots: Matrix
    private let users: Matrix, perPositive: Matrix?, positives: Matrix
    private let M: Int, B: Int, invTau: Float

    /// Forward. `users` and `positives` hold at least `B` rows, `perPositive` `B*M` rows.
    init(recipes: VirtualRecipes, users: Matrix, perPositive: Matrix?, perPositiveCount M: Int, positives: Matrix,
         batch B: Int, temperature: Float, pool: WorkerPool = .shared) {
        self.recipes = recipes
        self.users = users; self.perPositive = perPositive; self.positives = positives
        self.M = M; self.B = B; invTau = 1 / temperature
        let d = positives.cols, V = recipes.perRow, invTau = self.invTau, K = M + 1
        let logits = Matrix(uninitializedRows: B, cols: V)
        let norms = Matrix(uninitializedRows: 1, cols: B * V), dots = Matrix(uninitializedRows: 1, cols: B * V)
        let Kp = Self.padded(K)
        pool.parallelRanges(B, chunksPerThread: 4, minChunk: 32) { rows in
            // ue, w and gw are K-vectors zero-padded to a multiple of 8; gram is Kp x Kp.
            let ue = Self.zeroed(Kp), w = Self.zeroed(Kp), gw = Self.zeroed(Kp), gram = Self.zeroed(Kp * Kp)
            let e = UnsafeMutablePointer<UnsafePointer<Float>>.allocate(capacity: K)
            defer { ue.deallocate(); w.deallocate(); gw.deallocate(); gram.deallocate(); e.deallocate() }
            for b in rows {
                Self.vectors(e, b: b, M: M, perPositive, positives)
                let u = users.row(b)
                for t in 0..<K {
                    ue[t] = VectorMath.dot(u, e[t], d)
                    for t2 in 0...t {
                        let g = VectorMath.dot(e[t], e[t2], d)
                        gram[t * Kp + t2] = g
                        gram[t2 * Kp + t] = g
                    }
                }
                for v in 0..<V {
                    let r = b * V + v
                    let lo = Int(recipes.termStart[r]), hi = Int(recipes.termStart[r + 1])
                    // w: the recipe as a dense K-vector (repeated sources add up); G w as a
                    // sum over the terms of rows of G (G is symmetric).
                    gw.update(repeating: 0, count: Kp)
                    for i in lo..<hi {
                        let ti = Int(recipes.termSource[i]) + 1, wi = recipes.termWeight[i]
                        w[ti] += wi
                        Self.axpy8(wi, gram + ti * Kp, gw, Kp)
                    }
                    let n2 = Self.dot8(w, gw, Kp), s = Self.dot8(w, ue, Kp)
                    for i in lo..<hi { w[Int(recipes.termSource[i]) + 1] = 0 }
                    let n = max(max(n2, 0).squareRoot(), 1e-12)
                    norms.data[r] = n
                    dots.data[r] = s
                    logits.data[r] = s / n * invTau
                }
            }
        }
        self.logits = logits
        self.norms = norms
        self.dots = dots
    }

    /// Adds the gradients of the virtual logits (`grad`, `B x V`, d(loss)/d(logit)) to the
    /// gradients of the users, the per-positive negatives and (unless detached) the positives.
    func backward(_ grad: Matrix, userGrad: Matrix, perPositiveGrad: Matrix?, positiveGrad: Matrix, pool: WorkerPool = .shared) {
        let d = positives.cols, V = recipes.perRow, M = self.M, invTau = self.invTau, K = M + 1
        let recipes = self.recipes, norms = self.norms, dots = self.dots
        let users = self.users, perPositive = self.perPositive, positives = self.positives
        // Row b's virtual logits touch only row b's user, negatives and positive: rows run in parallel.
        let Kp = Self.padded(K)
        pool.parallelRanges(B, chunksPerThread: 4, minChunk: 32) { rows in
            // a: the K coefficients a_t; cm: the K x Kp matrix C; w: one recipe as a dense vector.
            let a = Self.zeroed(Kp), cm = Self.zeroed(K * Kp), w = Self.zeroed(Kp)
            let e = UnsafeMutablePointer<UnsafePointer<Float>>.allocate(capacity: K)
            defer { a.deallocate(); cm.deallocate(); w.deallocate(); e.deallocate() }
            for b in rows {
                a.update(repeating: 0, count: Kp)
                cm.update(repeating: 0, count: K * Kp)
                var any = false
                for v in 0..<V {
                    let r = b * V + v
                    let h = grad.data[r] * invTau
                    if h == 0 { continue }
                    any = true
                    let n = norms.data[r], hn = h / n, c = -hn * dots.data[r] / (n * n)
                    let lo = Int(recipes.termStart[r]), hi = Int(recipes.termStart[r + 1])
                    for i in lo..<hi { w[Int(recipes.termSource[i]) + 1] += recipes.termWeight[i] }
                    Self.axpy8(hn, w, a, Kp)
                    for i in lo..<hi { Self.axpy8(c * recipes.termWeight[i], w, cm + (Int(recipes.termSource[i]) + 1) * Kp, Kp) }
                    for i in lo..<hi { w[Int(recipes.termSource[i]) + 1] = 0 }
                }
                if !any { continue }
                Self.vectors(e, b: b, M: M, perPositive, positives)
                let u = UnsafePointer(users.row(b))
                Self.combine(uCoef: 0, u, coef: a, e, count: K, into: userGrad.row(b), d: d)
                if !recipes.detachPositive { Self.combine(uCoef: a[0], u, coef: cm, e, count: K, into: positiveGrad.row(b), d: d) }
                if let pg = perPositiveGrad {
                    for j in 0..<M {
                        Self.combine(uCoef: a[1 + j], u, coef: cm + (1 + j) * Kp, e, count: K, into: pg.row(b * M + j), d: d)
                    }
                }
            }
        }
    }

    /// The row's real vectors: its positive, then its `M` per-positive negatives.
    @inline(__always)
    private static func vectors(_ e: UnsafeMutablePointer<UnsafePointer<Float>>, b: Int, M: Int, _ perPositive: Matrix?, _ positives: Matrix) {
        e[0] = UnsafePointer(positives.row(b))
        if let pp = perPositive { for j in 0..<M { e[1 + j] = UnsafePointer(pp.row(b * M + j)) } }
    }

    /// out += uCoef * u + sum_j coef[j] * vecs[j] over `d` floats, 16 columns at a time in registers.
    @inline(__always)
    private static func combine(uCoef: Float, _ u: UnsafePointer<Float>, coef: UnsafePointer<Float>,
                                _ vecs: UnsafePointer<UnsafePointer<Float>>, count: Int, into out: UnsafeMutablePointer<Float>, d: Int) {
        typealias V8 = SIMD8<Float>
        var c = 0
        while c + 16 <= d {
            let o = UnsafeMutableRawPointer(out + c), ur = UnsafeRawPointer(u + c), wu = V8(repeating: uCoef)
            var acc0 = o.loadUnaligned(as: V8.self).addingProduct(wu, ur.loadUnaligned(as: V8.self))
            var acc1 = o.loadUnaligned(fromByteOffset: 32, as: V8.self).addingProduct(wu, ur.loadUnaligned(fromByteOffset: 32, as: V8.self))
            for j in 0..<count where coef[j] != 0 {
                let w = V8(repeating: coef[j]), x = UnsafeRawPointer(vecs[j] + c)
                acc0 = acc0.addingProduct(w, x.loadUnaligned(as: V8.self))
                acc1 = acc1.addingProduct(w, x.loadUnaligned(fromByteOffset: 32, as: V8.self))
            }
            o.storeBytes(of: acc0, as: V8.self)
            o.storeBytes(of: acc1, toByteOffset: 32, as: V8.self)
            c += 16
        }
        while c < d {
            var s = out[c] + uCoef * u[c]
            for j in 0..<count { s += coef[j] * vecs[j][c] }
            out[c] = s
            c += 1
        }
    }

    /// `n` rounded up to a multiple of 8 (the width of the K-vector helpers).
    private static func padded(_ n: Int) -> Int { (n + 7) / 8 * 8 }

    /// `n` zeroed floats (free with `deallocate()`).
    private static func zeroed(_ n: Int) -> UnsafeMutablePointer<Float> {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
        p.initialize(repeating: 0, count: n)
        return p
    }

    /// y += alpha x over `n` floats, `n` a multiple of 8.
    @inline(__always)
    private static func axpy8(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let av = SIMD8<Float>(repeating: alpha)
        var i = 0
        while i < n {
            let yr = UnsafeMutableRawPointer(y + i)
            yr.storeBytes(of: yr.loadUnaligned(as: SIMD8<Float>.self).addingProduct(av, UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)), as: SIMD8<Float>.self)
            i += 8
        }
    }

    /// <x, y> over `n` floats, `n` a multiple of 8.
    @inline(__always)
    private static func dot8(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i < n {
            acc = acc.addingProduct(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self), UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self))
            i += 8
        }
        return acc.sum()
    }
}
