import NumCore
import Sampling

/// Virtual negatives (EDIS, MixGCF-style mixing) from a sampler's recipes, consumed as logits:
/// their vectors are built one at a time in a small per-thread buffer and never stored.
///
/// Virtual vector v of row b is x_v = z_v / n_v with z_v = sum_t w_t e_t and n_v = ||z_v||,
/// where e_t is the row's per-positive negative `source` (or its positive for source -1).
/// Its logit is <u_b, x_v> / tau = s_v / (n_v tau) with s_v = <u_b, z_v>.
///
/// Backward, with h_v = d(loss)/d<u, x_v> (z_v is rebuilt from the recipe):
///   d/du   += (h_v / n_v) z_v
///   d/dz_v  = (h_v / n_v) (u - (s_v / n_v^2) z_v),   d/de_t += w_t d/dz_v
/// (no gradient to the positive when the recipes detach it). Compared with materialising the
/// `B*V x d` block of vectors and their gradients, this moves no large matrices.
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
        let d = positives.cols, V = recipes.perRow, invTau = self.invTau
        let logits = Matrix(uninitializedRows: B, cols: V)
        let norms = Matrix(uninitializedRows: 1, cols: B * V), dots = Matrix(uninitializedRows: 1, cols: B * V)
        pool.parallelRanges(B, chunksPerThread: 4, minChunk: 32) { rows in
            let z = UnsafeMutablePointer<Float>.allocate(capacity: d)
            defer { z.deallocate() }
            for b in rows {
                let u = users.row(b)
                for v in 0..<V {
                    let r = b * V + v
                    Self.build(z, recipes, r, b: b, M: M, perPositive, positives, d: d)
                    let s = VectorMath.dot(u, z, d)
                    let n = max(VectorMath.dot(z, z, d).squareRoot(), 1e-12)
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
        let d = positives.cols, V = recipes.perRow, M = self.M, invTau = self.invTau
        let recipes = self.recipes, norms = self.norms, dots = self.dots
        let users = self.users, perPositive = self.perPositive, positives = self.positives
        // Row b's virtual logits touch only row b's user, negatives and positive: rows run in parallel.
        pool.parallelRanges(B, chunksPerThread: 4, minChunk: 32) { rows in
            let z = UnsafeMutablePointer<Float>.allocate(capacity: d), gz = UnsafeMutablePointer<Float>.allocate(capacity: d)
            defer { z.deallocate(); gz.deallocate() }
            for b in rows {
                let u = users.row(b), gu = userGrad.row(b)
                for v in 0..<V {
                    let r = b * V + v
                    let h = grad.data[r] * invTau
                    if h == 0 { continue }
                    Self.build(z, recipes, r, b: b, M: M, perPositive, positives, d: d)
                    let n = norms.data[r], hn = h / n, c = -hn * dots.data[r] / (n * n)
                    VectorMath.axpy(hn, z, gu, d)
                    for j in 0..<d { gz[j] = hn * u[j] + c * z[j] }
                    for t in Int(recipes.termStart[r])..<Int(recipes.termStart[r + 1]) {
                        let src = recipes.termSource[t]
                        if src < 0 {
                            if !recipes.detachPositive { VectorMath.axpy(recipes.termWeight[t], gz, positiveGrad.row(b), d) }
                        } else if let pg = perPositiveGrad {
                            VectorMath.axpy(recipes.termWeight[t], gz, pg.row(b * M + Int(src)), d)
                        }
                    }
                }
            }
        }
    }

    /// z = sum of the terms of virtual vector `r` (row `b`).
    @inline(__always)
    private static func build(_ z: UnsafeMutablePointer<Float>, _ recipes: VirtualRecipes, _ r: Int, b: Int, M: Int,
                              _ perPositive: Matrix?, _ positives: Matrix, d: Int) {
        let terms = Int(recipes.termStart[r])..<Int(recipes.termStart[r + 1])
        if terms.isEmpty { z.update(repeating: 0, count: d); return }
        for t in terms {
            let src = recipes.termSource[t], w = recipes.termWeight[t]
            let e = src < 0 ? positives.row(b) : perPositive!.row(b * M + Int(src))
            if t == terms.lowerBound { VectorMath.scaled(w, e, into: z, d) } else { VectorMath.axpy(w, e, z, d) }
        }
    }
}
