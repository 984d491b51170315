import NumCore
import Sampling

/// Virtual negatives (EDIS, MixGCF-style mixing) from a sampler's recipes, consumed as logits.
/// No virtual vector is ever built: every quantity is taken from small per-row Gram matrices.
///
/// Row b has K = M + 1 real vectors: e_0, its positive, and e_{1+j}, its per-positive negative j.
/// Virtual vector v of row b is x_v = z_v / n_v with z_v = sum_t w_vt e_t, so
///   s_v   = <u_b, z_v> = sum_t w_vt <u_b, e_t>,
///   n_v^2 = ||z_v||^2 = w_v^T G w_v,  with G = E E^T the row's K x K Gram matrix,
/// and the logit is a s_v / n_v, with a the loss's logit scale (1/tau for the softmax family).
///
/// Backward, with h_v = d(loss)/d<u, x_v>, hn_v = h_v / n_v and c_v = -hn_v s_v / n_v^2:
///   d/dz_v = hn_v u + c_v z_v,   d/de_t = sum_v w_vt d/dz_v,   d/du = sum_v hn_v z_v.
/// Collecting coefficients per row, a_t = sum_v hn_v w_vt and C_tt' = sum_v c_v w_vt w_vt':
///   d/du += sum_t a_t e_t,   d/de_t += a_t u + sum_t' C_tt' e_t'
/// (no gradient to the positive when the recipes detach it). A row costs O(K^2 d) however
/// many virtual vectors it has, instead of O(terms x d) twice over; with K <= 8, only the
/// pairs of vectors that share a recipe are computed (`VirtualRowPairs.swift`).
///
/// Every row depends on its own vectors only, so the work is done row by row through
/// ``withRows(_:)``, which the loss calls inside its own row loops (no passes of their own).
struct VirtualNegatives {
    let recipes: VirtualRecipes
    /// Logits `<u_b, x_v> / tau`, `B x V` (rows not yet computed hold garbage).
    let logits: Matrix
    /// 1 / n_v and s_v per virtual vector, kept for the backward (one division per vector).
    fileprivate let inverseNorms: Matrix, dots: Matrix
    fileprivate let users: Matrix, perPositive: Matrix?, positives: Matrix
    fileprivate let M: Int, invTau: Float

    /// Prepares a batch's virtual negatives; `users` and `positives` hold at least `B` rows,
    /// `perPositive` `B*M` rows. Rows are computed by ``RowPass/forward(_:)``.
    init(recipes: VirtualRecipes, users: Matrix, perPositive: Matrix?, perPositiveCount M: Int, positives: Matrix,
         batch B: Int, logitScale: Float) {
        self.recipes = recipes
        self.users = users; self.perPositive = perPositive; self.positives = positives
        self.M = M; invTau = logitScale
        let V = recipes.perRow
        logits = Matrix(uninitializedRows: B, cols: V)
        inverseNorms = Matrix(uninitializedRows: 1, cols: B * V)
        dots = Matrix(uninitializedRows: 1, cols: B * V)
    }

    /// Calls `body` with a ``RowPass``: one thread's scratch for computing rows.
    func withRows<R>(_ body: (RowPass) -> R) -> R {
        let geometry = VirtualRowGeometry(K: M + 1, d: positives.cols)
        return recipes.withTable { table in body(RowPass(net: self, row: geometry, table: table)) }
    }
}

/// Row-by-row forward and backward of ``VirtualNegatives``, with one thread's scratch. Not
/// thread-safe; rows may be split across passes on different threads.
struct RowPass {
    fileprivate let net: VirtualNegatives
    fileprivate let row: VirtualRowGeometry
    fileprivate let table: RecipeTable

    /// Number of virtual negatives per row.
    var perRow: Int { net.recipes.perRow }

    /// Row `b`'s logits (also stored in `logits`), keeping what its backward needs.
    @discardableResult
    func forward(_ b: Int) -> UnsafeMutablePointer<Float> {
        let V = perRow, invTau = net.invTau, table = self.table
        let logits = net.logits.row(b), inverseNorms = net.inverseNorms.data + b * V, dots = net.dots.data + b * V
        row.setVectors(b: b, M: net.M, net.perPositive, net.positives)
        row.computeGram(user: net.users.row(b), recipes: { table[$0] }, first: b * V, count: V)
        @inline(__always) func store(_ v: Int, _ s: Float, _ n2: Float) {
            let n = max(max(n2, 0).squareRoot(), 1e-12)
            let rn = 1 / n
            inverseNorms[v] = rn
            dots[v] = s
            logits[v] = s * rn * invTau
        }
        if row.Kp == 8 {
            var v = 0
            while v < V {
                let count = min(8, V - v)
                let (s, n2) = row.dotsAndSquaredNorms8({ table[$0] }, first: b * V + v, count: count)
                for i in 0..<count { store(v + i, s[i], n2[i]) }
                v += count
            }
        } else {
            for v in 0..<V {
                let (s, n2) = row.dotAndSquaredNorm(table[b * V + v])
                store(v, s, n2)
            }
        }
        return logits
    }

    /// Adds row `b`'s share of the gradients, given `grad`, its V values of d(loss)/d(logit),
    /// to row `b` of `userGrad` and `positiveGrad` (unless detached) and rows `b*M..<(b+1)*M`
    /// of `perPositiveGrad`. Needs ``forward(_:)`` of the same row first.
    func backward(_ b: Int, grad: UnsafePointer<Float>, userGrad: Matrix, perPositiveGrad: Matrix?, positiveGrad: Matrix) {
        let V = perRow, M = net.M, invTau = net.invTau, table = self.table
        let inverseNorms = net.inverseNorms.data + b * V, dots = net.dots.data + b * V
        let Kp = row.Kp
        // Recipe v's contribution: hn = h / n and cz = -hn s / n^2, none when h = 0.
        @inline(__always) func coefficients(_ v: Int) -> (terms: RecipeTerms, hn: Float, cz: Float)? {
            let h = grad[v] * invTau
            if h == 0 { return nil }
            let rn = inverseNorms[v], hn = h * rn
            return (table[b * V + v], hn, -hn * dots[v] * rn * rn)
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
        if !any { return }
        row.setVectors(b: b, M: M, net.perPositive, net.positives)
        let u = UnsafePointer(net.users.row(b))
        row.combine(uCoef: 0, u, coef: row.a, into: userGrad.row(b))
        if !net.recipes.detachPositive { row.combine(uCoef: row.a[0], u, coef: row.c, into: positiveGrad.row(b)) }
        if let pg = perPositiveGrad {
            for j in 0..<M { row.combine(uCoef: row.a[1 + j], u, coef: row.c + (1 + j) * Kp, into: pg.row(b * M + j)) }
        }
    }
}
