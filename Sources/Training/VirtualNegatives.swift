import NumCore
import Sampling

/// Builds virtual negative vectors from tower outputs following a sampler's recipes, and
/// back-propagates their gradients into those outputs.
///
/// Virtual vector r of row b: z_r = sum_t w_t e_t, x_r = z_r / ||z_r||, where e_t is the
/// row's per-positive negative `source` (or its positive for source -1).
struct VirtualNegatives {
    let recipes: VirtualRecipes
    let vectors: Matrix
    private let norms: [Float]

    /// Forward. `perPositive` holds `B*M` rows, `positives` `B` rows.
    init(recipes: VirtualRecipes, perPositive: Matrix?, perPositiveCount M: Int, positives: Matrix, batch B: Int,
         pool: WorkerPool = .shared) {
        self.recipes = recipes
        let d = positives.cols
        let V = recipes.perRow
        let out = Matrix(uninitializedRows: B * V, cols: d)
        let norms = Matrix(uninitializedRows: 1, cols: B * V)
        // Rows are independent: each writes only its own V output rows.
        pool.parallelRanges(B, chunksPerThread: 4, minChunk: 32) { rows in
            for r in (rows.lowerBound * V)..<(rows.upperBound * V) {
                let b = r / V
                let z = out.row(r)
                let terms = Int(recipes.termStart[r])..<Int(recipes.termStart[r + 1])
                // The first term initialises z (the buffer is not zeroed), the others add to it.
                for t in terms {
                    let src = recipes.termSource[t], w = recipes.termWeight[t]
                    let e = src < 0 ? positives.row(b) : perPositive!.row(b * M + Int(src))
                    if t == terms.lowerBound { for j in 0..<d { z[j] = w * e[j] } } else { VectorMath.axpy(w, e, z, d) }
                }
                if terms.isEmpty { z.update(repeating: 0, count: d) }
                let n = max(VectorMath.dot(z, z, d).squareRoot(), 1e-12)
                norms.data[r] = n
                VectorMath.scale(z, d, by: 1 / n)
            }
        }
        vectors = out
        self.norms = norms.array
    }

    /// Adds the gradients of the virtual vectors (`grad`, `B*V x d`) to the gradients of the
    /// per-positive negatives and (unless detached) of the positives.
    func backward(_ grad: Matrix, perPositiveGrad: Matrix?, perPositiveCount M: Int, positiveGrad: Matrix, batch B: Int,
                  pool: WorkerPool = .shared) {
        let d = vectors.cols, V = recipes.perRow
        let recipes = self.recipes, vectors = self.vectors, norms = self.norms
        // Row b's virtual vectors feed only row b's negatives and positive: rows run in parallel.
        pool.parallelRanges(B, chunksPerThread: 4, minChunk: 32) { rows in
            var dz = [Float](repeating: 0, count: d)
            for r in (rows.lowerBound * V)..<(rows.upperBound * V) {
                let b = r / V
                let x = vectors.row(r), g = grad.row(r)
                let proj = VectorMath.dot(x, g, d)
                let inv = 1 / norms[r]
                for j in 0..<d { dz[j] = (g[j] - x[j] * proj) * inv }
                dz.withUnsafeBufferPointer { dzp in
                    for t in Int(recipes.termStart[r])..<Int(recipes.termStart[r + 1]) {
                        let src = recipes.termSource[t]
                        if src < 0 {
                            if !recipes.detachPositive { VectorMath.axpy(recipes.termWeight[t], dzp.baseAddress!, positiveGrad.row(b), d) }
                        } else if let pg = perPositiveGrad {
                            VectorMath.axpy(recipes.termWeight[t], dzp.baseAddress!, pg.row(b * M + Int(src)), d)
                        }
                    }
                }
            }
        }
    }
}
