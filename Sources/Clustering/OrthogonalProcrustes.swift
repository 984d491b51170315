import NumCore

/// The rotation that best maps one set of vectors onto another: the orthogonal `R` minimising
/// `||A R - B||_F` (orthogonal Procrustes), `R = U Vᵀ` for `Aᵀ B = U S Vᵀ`.
///
/// Used to bring a data-dependent modality (an SVD basis: behaviour, structured) recomputed on
/// new data into the basis of the vectors the codebooks were fitted on, anchored on the items
/// both share. `R` is computed as `M (Mᵀ M)^(-1/2)` with `M = Aᵀ B`, from the eigenvectors of
/// the small `d x d` matrix `Mᵀ M` (directions with an eigenvalue below `1e-12` of the largest
/// are left out, as for a rank-deficient `M`), all in `Double`.
public enum OrthogonalProcrustes {
    /// The `d x d` rotation taking row `sourceRows[k]` of `source` towards row `targetRows[k]`
    /// of `target`, and the relative residual `||A R - B|| / ||B||` over those pairs.
    public static func fit(source: Matrix, sourceRows: [Int], target: Matrix, targetRows: [Int]) -> (rotation: Matrix, relativeError: Double) {
        precondition(source.cols == target.cols && sourceRows.count == targetRows.count, "paired rows of equal width needed")
        let d = source.cols
        var m = [Double](repeating: 0, count: d * d)
        for (a, b) in zip(sourceRows, targetRows) {
            let x = source.row(a), y = target.row(b)
            for i in 0..<d where x[i] != 0 {
                let xi = Double(x[i])
                for j in 0..<d { m[i * d + j] += xi * Double(y[j]) }
            }
        }
        var mtm = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for j in 0..<d { var s = 0.0; for k in 0..<d { s += m[k * d + i] * m[k * d + j] }; mtm[i * d + j] = s } }
        let (values, vectors) = RandomizedSVD.symmetricEigen(mtm, n: d)
        let floor = (values.first ?? 0) * 1e-12
        // (MᵀM)^(-1/2) = Σ_k v_k v_kᵀ / sqrt(λ_k).
        var inverseRoot = [Double](repeating: 0, count: d * d)
        for k in 0..<d where values[k] > floor && values[k] > 0 {
            let w = 1 / values[k].squareRoot()
            for i in 0..<d { for j in 0..<d { inverseRoot[i * d + j] += w * vectors[i * d + k] * vectors[j * d + k] } }
        }
        let r = Matrix(rows: d, cols: d)
        for i in 0..<d { for j in 0..<d { var s = 0.0; for k in 0..<d { s += m[i * d + k] * inverseRoot[k * d + j] }; r[i, j] = Float(s) } }
        var residual = 0.0, norm = 0.0
        for (a, b) in zip(sourceRows, targetRows) {
            let x = source.row(a), y = target.row(b)
            for j in 0..<d {
                var s: Float = 0
                for i in 0..<d { s += x[i] * r[i, j] }
                residual += Double((s - y[j]) * (s - y[j]))
                norm += Double(y[j] * y[j])
            }
        }
        return (r, norm > 0 ? (residual / norm).squareRoot() : 0)
    }

    /// `x R` for every row of `x` (`n x d` times `d x d`).
    public static func apply(_ rotation: Matrix, to x: Matrix) -> Matrix {
        let out = Matrix(rows: x.rows, cols: rotation.cols)
        sgemm(transA: false, transB: false, m: x.rows, n: rotation.cols, k: x.cols, a: x.data, lda: x.cols,
              b: rotation.data, ldb: rotation.cols, c: out.data, ldc: out.cols)
        return out
    }
}
