import NumCore
import Sampling

/// Virtual negatives (EDIS, MixGCF-style mixing) from a sampler's recipes, computed in logit
/// space: their vectors are never built.
///
/// Virtual vector v of row b is x_v = z_v / ||z_v|| with z_v = sum_t w_t e_t, where e_t is the
/// row's per-positive negative `source` (or its positive for source -1). Its logit is
/// <u_b, x_v> / tau = s_v / (n_v tau) with
///   s_v = sum_t w_t <u_b, e_t>            (dots with the row's K = M + 1 vectors)
///   n_v^2 = sum_t sum_t' w_t w_t' <e_t, e_t'>  (entries of the row's Gram matrix, computed on demand),
/// so a row costs a few dozen length-d dots however many virtual negatives it has, instead of
/// building, normalising and back-propagating a `V x d` block.
///
/// Backward, with h_v = d(loss)/d<u, x_v>:
///   d/du   += sum_t beta_t e_t,                       beta_t = sum_v h_v w_vt / n_v
///   d/de_t += beta_t u - sum_t' C_tt' e_t',            C_tt' = sum_v h_v s_v w_vt w_vt' / n_v^3
/// (no gradient to the positive when the recipes detach it).
struct VirtualNegatives {
    let recipes: VirtualRecipes
    /// Logits `<u_b, x_v> / tau`, `B x V`.
    let logits: Matrix
    private let norms: [Float], dots: [Float]
    private let users: Matrix, perPositive: Matrix?, positives: Matrix
    private let M: Int, B: Int, invTau: Float

    /// Forward. `users` and `positives` hold at least `B` rows, `perPositive` `B*M` rows.
    init(recipes: VirtualRecipes, users: Matrix, perPositive: Matrix?, perPositiveCount M: Int, positives: Matrix,
         batch B: Int, temperature: Float, pool: WorkerPool = .shared) {
        self.recipes = recipes
        self.users = users; self.perPositive = perPositive; self.positives = positives
        self.M = M; self.B = B; invTau = 1 / temperature
        let d = positives.cols, V = recipes.perRow, K = M + 1, invTau = self.invTau
        let logits = Matrix(uninitializedRows: B, cols: V)
        let norms = Matrix(uninitializedRows: 1, cols: B * V), dots = Matrix(uninitializedRows: 1, cols: B * V)
        pool.parallelRanges(B, chunksPerThread: 4, minChunk: 32) { rows in
            var row = RowState(K: K)
            for b in rows {
                row.reset(u: users.row(b), vector: { Self.vector(b, $0, M: M, perPositive, positives) }, d: d)
                for v in 0..<V {
                    let r = b * V + v
                    let terms = Int(recipes.termStart[r])..<Int(recipes.termStart[r + 1])
                    var s: Float = 0, nn: Float = 0
                    for t in terms {
                        let i = Self.slot(recipes.termSource[t], M), w = recipes.termWeight[t]
                        s += w * row.a[i]
                        for t2 in terms {
                            let j = Self.slot(recipes.termSource[t2], M)
                            nn += w * recipes.termWeight[t2] * row.gram(i, j)
                        }
                    }
                    let n = max(max(nn, 0).squareRoot(), 1e-12)
                    norms.data[r] = n
                    dots.data[r] = s
                    logits.data[r] = s / n * invTau
                }
            }
        }
        self.logits = logits
        self.norms = norms.array
        self.dots = dots.array
    }

    /// Adds the gradients of the virtual logits (`grad`, `B x V`, d(loss)/d(logit)) to the
    /// gradients of the users, the per-positive negatives and (unless detached) the positives.
    func backward(_ grad: Matrix, userGrad: Matrix, perPositiveGrad: Matrix?, positiveGrad: Matrix, pool: WorkerPool = .shared) {
        let d = positives.cols, V = recipes.perRow, K = M + 1, M = self.M, invTau = self.invTau
        let recipes = self.recipes, norms = self.norms, dots = self.dots
        let users = self.users, perPositive = self.perPositive, positives = self.positives
        // Row b's virtual logits touch only row b's user, negatives and positive: rows run in parallel.
        pool.parallelRanges(B, chunksPerThread: 4, minChunk: 32) { rows in
            var beta = [Float](repeating: 0, count: K), c = [Float](repeating: 0, count: K * K)
            for b in rows {
                for i in 0..<K { beta[i] = 0 }
                for i in 0..<(K * K) { c[i] = 0 }
                var any = false
                for v in 0..<V {
                    let r = b * V + v
                    let h = grad.data[r] * invTau
                    if h == 0 { continue }
                    any = true
                    let n = norms[r], hn = h / n, hsn3 = h * dots[r] / (n * n * n)
                    let terms = Int(recipes.termStart[r])..<Int(recipes.termStart[r + 1])
                    for t in terms {
                        let i = Self.slot(recipes.termSource[t], M), w = recipes.termWeight[t]
                        beta[i] += hn * w
                        for t2 in terms { c[i * K + Self.slot(recipes.termSource[t2], M)] += hsn3 * w * recipes.termWeight[t2] }
                    }
                }
                guard any else { continue }
                let u = users.row(b), gu = userGrad.row(b)
                for j in 0..<K where beta[j] != 0 { VectorMath.axpy(beta[j], Self.vector(b, j, M: M, perPositive, positives), gu, d) }
                for i in 0..<K {
                    let target: UnsafeMutablePointer<Float>
                    if i == M {
                        if recipes.detachPositive { continue }
                        target = positiveGrad.row(b)
                    } else {
                        guard let pg = perPositiveGrad else { continue }
                        target = pg.row(b * M + i)
                    }
                    if beta[i] != 0 { VectorMath.axpy(beta[i], u, target, d) }
                    for j in 0..<K where c[i * K + j] != 0 {
                        VectorMath.axpy(-c[i * K + j], Self.vector(b, j, M: M, perPositive, positives), target, d)
                    }
                }
            }
        }
    }

    /// Index of a recipe source among the row's K = M + 1 vectors (the positive is slot M).
    @inline(__always) private static func slot(_ source: Int32, _ M: Int) -> Int { source < 0 ? M : Int(source) }

    /// Vector `slot` of row `b`: a per-positive negative, or the positive for slot M.
    @inline(__always)
    private static func vector(_ b: Int, _ slot: Int, M: Int, _ perPositive: Matrix?, _ positives: Matrix) -> UnsafeMutablePointer<Float> {
        slot == M ? positives.row(b) : perPositive!.row(b * M + slot)
    }

    /// Per-row dots with the user (all K) and a Gram matrix filled on demand.
    private struct RowState {
        let K: Int
        var a: [Float]
        private var g: [Float]
        private var vectors: [UnsafeMutablePointer<Float>?]
        private var d = 0

        init(K: Int) {
            self.K = K
            a = [Float](repeating: 0, count: K)
            g = [Float](repeating: .nan, count: K * K)
            vectors = [UnsafeMutablePointer<Float>?](repeating: nil, count: K)
        }

        /// Starts row state for user vector `u`; `vector(i)` gives the row's vector i.
        mutating func reset(u: UnsafeMutablePointer<Float>, vector: (Int) -> UnsafeMutablePointer<Float>, d: Int) {
            self.d = d
            for i in 0..<K {
                let e = vector(i)
                vectors[i] = e
                a[i] = VectorMath.dot(u, e, d)
            }
            for i in 0..<(K * K) { g[i] = .nan }
        }

        /// <e_i, e_j>, computed once per row.
        mutating func gram(_ i: Int, _ j: Int) -> Float {
            let cached = g[i * K + j]
            if !cached.isNaN { return cached }
            let value = VectorMath.dot(vectors[i]!, vectors[j]!, d)
            g[i * K + j] = value
            g[j * K + i] = value
            return value
        }
    }
}
