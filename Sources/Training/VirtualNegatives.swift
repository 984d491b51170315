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
        pool.parallelRanges(B, chunksPerThread: 4, minChunk: 32) { rows in
            let ue = UnsafeMutablePointer<Float>.allocate(capacity: K), gram = UnsafeMutablePointer<Float>.allocate(capacity: K * K)
            let e = UnsafeMutablePointer<UnsafePointer<Float>>.allocate(capacity: K)
            defer { ue.deallocate(); gram.deallocate(); e.deallocate() }
            for b in rows {
                Self.vectors(e, b: b, M: M, perPositive, positives)
                let u = users.row(b)
                for t in 0..<K {
                    ue[t] = VectorMath.dot(u, e[t], d)
                    for t2 in 0...t {
                        let g = VectorMath.dot(e[t], e[t2], d)
                        gram[t * K + t2] = g
                        gram[t2 * K + t] = g
                    }
                }
                for v in 0..<V {
                    let r = b * V + v
                    let lo = Int(recipes.termStart[r]), hi = Int(recipes.termStart[r + 1])
                    var s: Float = 0, n2: Float = 0
                    for i in lo..<hi {
                        let ti = Int(recipes.termSource[i]) + 1, wi = recipes.termWeight[i]
                        s += wi * ue[ti]
                        var row: Float = 0
                        for j in lo..<hi { row += recipes.termWeight[j] * gram[ti * K + Int(recipes.termSource[j]) + 1] }
                        n2 += wi * row
                    }
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
        pool.parallelRanges(B, chunksPerThread: 4, minChunk: 32) { rows in
            // coef holds, per target t, the coefficients of [u, e_0, ..., e_{K-1}]; row K is for u.
            let coef = UnsafeMutablePointer<Float>.allocate(capacity: (K + 1) * (K + 1))
            let vecs = UnsafeMutablePointer<UnsafePointer<Float>>.allocate(capacity: K + 1)
            defer { coef.deallocate(); vecs.deallocate() }
            for b in rows {
                coef.update(repeating: 0, count: (K + 1) * (K + 1))
                var any = false
                for v in 0..<V {
                    let r = b * V + v
                    let h = grad.data[r] * invTau
                    if h == 0 { continue }
                    any = true
                    let n = norms.data[r], hn = h / n, c = -hn * dots.data[r] / (n * n)
                    let lo = Int(recipes.termStart[r]), hi = Int(recipes.termStart[r + 1])
                    for i in lo..<hi {
                        let ti = Int(recipes.termSource[i]) + 1, wi = recipes.termWeight[i]
                        let target = coef + ti * (K + 1)
                        target[0] += hn * wi
                        for j in lo..<hi { target[1 + Int(recipes.termSource[j]) + 1] += c * wi * recipes.termWeight[j] }
                    }
                }
                if !any { continue }
                // The user's coefficients are the a_t: d/du += sum_t a_t e_t.
                let uRow = coef + K * (K + 1)
                for t in 0..<K { uRow[1 + t] = coef[t * (K + 1)] }
                vecs[0] = UnsafePointer(users.row(b))
                Self.vectors(vecs + 1, b: b, M: M, perPositive, positives)
                Self.combine(coef: uRow, vecs, count: K + 1, into: userGrad.row(b), d: d)
                if !recipes.detachPositive { Self.combine(coef: coef, vecs, count: K + 1, into: positiveGrad.row(b), d: d) }
                if let pg = perPositiveGrad {
                    for j in 0..<M { Self.combine(coef: coef + (1 + j) * (K + 1), vecs, count: K + 1, into: pg.row(b * M + j), d: d) }
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

    /// out += sum_j coef[j] * vecs[j] over `d` floats, 16 columns at a time in registers.
    @inline(__always)
    private static func combine(coef: UnsafePointer<Float>, _ vecs: UnsafePointer<UnsafePointer<Float>>, count: Int,
                                into out: UnsafeMutablePointer<Float>, d: Int) {
        typealias V8 = SIMD8<Float>
        var c = 0
        while c + 16 <= d {
            let o = UnsafeMutableRawPointer(out + c)
            var acc0 = o.loadUnaligned(as: V8.self), acc1 = o.loadUnaligned(fromByteOffset: 32, as: V8.self)
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
            var s = out[c]
            for j in 0..<count { s += coef[j] * vecs[j][c] }
            out[c] = s
            c += 1
        }
    }
}
