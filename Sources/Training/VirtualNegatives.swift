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
    /// 1 / n_v and s_v per virtual vector, kept for the backward (one division per vector).
    private let inverseNorms: Matrix, dots: Matrix
    private let users: Matrix, perPositive: Matrix?, positives: Matrix
    private let M: Int, B: Int, invTau: Float

    /// Forward. `users` and `positives` hold at least `B` rows, `perPositive` `B*M` rows.
    init(recipes: VirtualRecipes, users: Matrix, perPositive: Matrix?, perPositiveCount M: Int, positives: Matrix,
         batch B: Int, temperature: Float, pool: WorkerPool = .shared) {
        self.recipes = recipes
        self.users = users; self.perPositive = perPositive; self.positives = positives
        self.M = M; self.B = B; invTau = 1 / temperature
        let d = positives.cols, V = recipes.perRow, invTau = self.invTau
        let logits = Matrix(uninitializedRows: B, cols: V)
        let inverseNorms = Matrix(uninitializedRows: 1, cols: B * V), dots = Matrix(uninitializedRows: 1, cols: B * V)
        pool.parallelRanges(B, chunksPerThread: 4, minChunk: 32) { rows in
            let row = VirtualRowGeometry(K: M + 1, d: d)
            recipes.withTerms { terms in
                for b in rows {
                    row.setVectors(b: b, M: M, perPositive, positives)
                    row.computeGram(user: users.row(b))
                    @inline(__always) func store(_ r: Int, _ s: Float, _ n2: Float) {
                        let n = max(max(n2, 0).squareRoot(), 1e-12)
                        let rn = 1 / n
                        inverseNorms.data[r] = rn
                        dots.data[r] = s
                        logits.data[r] = s * rn * invTau
                    }
                    if row.Kp == 8 {
                        var v = 0
                        while v < V {
                            let count = min(8, V - v)
                            let (s, n2) = row.dotsAndSquaredNorms8(terms, first: b * V + v, count: count)
                            for i in 0..<count { store(b * V + v + i, s[i], n2[i]) }
                            v += count
                        }
                    } else {
                        for v in 0..<V {
                            let (s, n2) = row.dotAndSquaredNorm(terms(b * V + v))
                            store(b * V + v, s, n2)
                        }
                    }
                }
            }
        }
        self.logits = logits
        self.inverseNorms = inverseNorms
        self.dots = dots
    }

    /// Adds the gradients of the virtual logits (`grad`, `B x V`, d(loss)/d(logit)) to the
    /// gradients of the users, the per-positive negatives and (unless detached) the positives.
    func backward(_ grad: Matrix, userGrad: Matrix, perPositiveGrad: Matrix?, positiveGrad: Matrix, pool: WorkerPool = .shared) {
        let d = positives.cols, V = recipes.perRow, M = self.M, invTau = self.invTau
        let recipes = self.recipes, inverseNorms = self.inverseNorms, dots = self.dots
        let users = self.users, perPositive = self.perPositive, positives = self.positives
        // Row b's virtual logits touch only row b's user, negatives and positive: rows run in parallel.
        pool.parallelRanges(B, chunksPerThread: 4, minChunk: 32) { rows in
            let row = VirtualRowGeometry(K: M + 1, d: d)
            let Kp = row.Kp
            recipes.withTerms { terms in
                for b in rows {
                    // Recipe v's contribution: hn = h / n and cz = -hn s / n^2, none when h = 0.
                    @inline(__always) func coefficients(_ v: Int) -> (terms: RecipeTerms, hn: Float, cz: Float)? {
                        let r = b * V + v
                        let h = grad.data[r] * invTau
                        if h == 0 { return nil }
                        let rn = inverseNorms.data[r], hn = h * rn
                        return (terms(r), hn, -hn * dots.data[r] * rn * rn)
                    }
                    var any = false
                    if Kp == 8 {
                        any = row.accumulateAll8(count: V, coefficients)
                    } else {
                        row.clearCoefficients()
                        for v in 0..<V {
                            guard let (t, hn, cz) = coefficients(v) else { continue }
                            any = true
                            row.accumulate(t, hn: hn, cz: cz)
                        }
                    }
                    if !any { continue }
                    row.setVectors(b: b, M: M, perPositive, positives)
                    let u = UnsafePointer(users.row(b))
                    row.combine(uCoef: 0, u, coef: row.a, into: userGrad.row(b))
                    if !recipes.detachPositive { row.combine(uCoef: row.a[0], u, coef: row.c, into: positiveGrad.row(b)) }
                    if let pg = perPositiveGrad {
                        for j in 0..<M { row.combine(uCoef: row.a[1 + j], u, coef: row.c + (1 + j) * Kp, into: pg.row(b * M + j)) }
                    }
                }
            }
        }
    }
}
