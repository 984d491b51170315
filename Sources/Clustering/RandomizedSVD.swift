import Foundation
import NumCore

/// How the item embedding is formed from a truncated SVD `A ≈ U·S·Vᵀ`.
public enum EmbeddingScaling: String, Sendable, CaseIterable {
    /// `U` alone: orthonormal columns, every direction weighted equally.
    case none
    /// `U·sqrt(S)`: the symmetric split (Levy, Goldberg & Dagan 2015, "eigenvalue weighting"
    /// p = 0.5), which works better than `U·S` for word/item similarity from PPMI matrices.
    case sqrt
    /// `U·S`: the rows' coordinates in the top singular directions, so inner products between
    /// rows of `A` are preserved as well as rank `d` allows (classic LSA on TF-IDF).
    case full
}

/// A rank-`d` truncated SVD of a sparse matrix by the randomised range finder of Halko,
/// Martinsson & Tropp (2011), Algorithm 4.4 with re-orthonormalised power iterations.
///
/// Steps, with `l = d + oversampling` (capped at `min(rows, cols)`):
/// 1. `Y = A·Ω` with a seeded Gaussian `cols x l` test matrix `Ω`; `Q = orth(Y)`.
/// 2. `powerIterations` times: `Z = orth(Aᵀ·Q)`, `Q = orth(A·Z)` (orthonormalising after
///    every product keeps the small singular directions from drowning in rounding).
/// 3. `B = Qᵀ·A` (computed as `Bᵀ = Aᵀ·Q`, `cols x l`), then the symmetric `l x l` matrix
///    `B·Bᵀ` is eigen-decomposed with cyclic Jacobi rotations in `Double`:
///    `B·Bᵀ = W·Λ·Wᵀ`, so `σ = sqrt(λ)` and the left singular vectors are `U = Q·W`.
///
/// `orth` is modified Gram-Schmidt on the columns of a tall-skinny matrix (run on a
/// transposed copy so that each column is contiguous; the updates of the later columns run in
/// parallel). A column that collapses (the range has lower rank than `l`) is replaced by a
/// fresh random vector orthogonalised against the others, so `Q` is always orthonormal.
/// Everything is deterministic for a given seed and does not depend on the thread count.
public struct RandomizedSVD: Sendable {
    /// Left singular vectors, `rows x d`, orthonormal columns, by decreasing singular value.
    public let u: Matrix
    /// The `d` singular values, decreasing.
    public let singularValues: [Float]

    /// Computes the top-`rank` singular triplets of `a`.
    /// - Parameters:
    ///   - rank: the number `d` of singular values wanted (capped at `min(rows, cols)`).
    ///   - oversampling: extra random directions (default 10).
    ///   - powerIterations: number `q` of power iterations (default 2).
    ///   - symmetric: `a` equals its transpose (e.g. a PPMI matrix), so `Aᵀ` is not built.
    ///   - seed: seed of the Gaussian test matrix.
    public init(_ a: SparseMatrix, rank: Int, oversampling: Int = 10, powerIterations: Int = 2,
                symmetric: Bool = false, seed: UInt64 = 0, pool: WorkerPool? = WorkerPool.shared) {
        precondition(!symmetric || a.rows == a.cols, "a symmetric matrix must be square")
        let limit = min(a.rows, a.cols)
        let d = max(0, min(rank, limit))
        let l = min(limit, d + max(0, oversampling))
        guard d > 0, l > 0 else {
            u = Matrix(rows: a.rows, cols: d)
            singularValues = [Float](repeating: 0, count: d)
            return
        }
        let at = symmetric ? a : a.transposed()
        var rng = RandomSource(seed: seed).derived("randomized-svd")
        let omega = Matrix(rows: a.cols, cols: l)
        for i in 0..<omega.count { omega.data[i] = rng.normal() }
        var q = Self.orthonormalize(a.multiply(omega, pool: pool), rng: &rng, pool: pool)
        for _ in 0..<powerIterations {
            let z = Self.orthonormalize(at.multiply(q, pool: pool), rng: &rng, pool: pool)
            q = Self.orthonormalize(a.multiply(z, pool: pool), rng: &rng, pool: pool)
        }
        let bt = at.multiply(q, pool: pool)                // cols x l = (Qᵀ A)ᵀ
        // B·Bᵀ = Btᵀ·Bt, accumulated in Double for the eigen-solver.
        let gram = Matrix(rows: l, cols: l)
        sgemm(transA: true, transB: false, m: l, n: l, k: a.cols, a: bt.data, lda: l, b: bt.data, ldb: l,
              c: gram.data, ldc: l, pool: pool)
        var sym = [Double](repeating: 0, count: l * l)
        for i in 0..<l { for j in 0..<l { sym[i * l + j] = 0.5 * (Double(gram[i, j]) + Double(gram[j, i])) } }
        let (lambda, w) = Self.symmetricEigen(sym, n: l)
        // U = Q · W[:, :d]
        let wd = Matrix(rows: l, cols: d)
        for i in 0..<l { for j in 0..<d { wd[i, j] = Float(w[i * l + j]) } }
        let uu = Matrix(rows: a.rows, cols: d)
        sgemm(transA: false, transB: false, m: a.rows, n: d, k: l, a: q.data, lda: l, b: wd.data, ldb: d,
              c: uu.data, ldc: d, pool: pool)
        u = uu
        singularValues = (0..<d).map { Float(max(0, lambda[$0]).squareRoot()) }
    }

    /// The item embedding `U·S^p` for the chosen ``EmbeddingScaling`` (`rows x d`).
    public func embedding(_ scaling: EmbeddingScaling) -> Matrix {
        let e = u.copy()
        let d = u.cols
        let w: [Float] = singularValues.map {
            switch scaling {
            case .none: return 1
            case .sqrt: return $0.squareRoot()
            case .full: return $0
            }
        }
        for r in 0..<e.rows {
            let p = e.row(r)
            for j in 0..<d { p[j] *= w[j] }
        }
        return e
    }

    /// Orthonormalises the columns of the tall-skinny `y` (`m x l`, `l <= m`) by modified
    /// Gram-Schmidt with one re-orthogonalisation pass ("twice is enough"); returns `Q` with
    /// `QᵀQ = I` spanning the same space when `y` has full column rank.
    public static func orthonormalize(_ y: Matrix, rng: inout RandomSource, pool: WorkerPool? = WorkerPool.shared) -> Matrix {
        let m = y.rows, l = y.cols
        precondition(l <= m, "orthonormalize needs a tall matrix, got \(m)x\(l)")
        // Column-major working copy: column j is t.row(j).
        let t = Matrix(rows: l, cols: m)
        for r in 0..<m {
            let src = y.row(r)
            for j in 0..<l { t.data[j * m + r] = src[j] }
        }
        for j in 0..<l {
            let cj = t.row(j)
            var original = VectorMath.dot(cj, cj, m).squareRoot()
            var attempt = 0
            while true {
                // Two passes of MGS against the finished columns 0..<j.
                for _ in 0..<2 {
                    for i in 0..<j { VectorMath.axpy(-VectorMath.dot(t.row(i), cj, m), t.row(i), cj, m) }
                }
                let norm = VectorMath.dot(cj, cj, m).squareRoot()
                if norm.isFinite && norm > 1e-5 * max(original, Float.leastNormalMagnitude) && norm > 0 {
                    VectorMath.scale(cj, m, by: 1 / norm)
                    break
                }
                // Rank deficiency: replace with a random direction.
                attempt += 1
                precondition(attempt < 20, "could not orthonormalise column \(j) of \(m)x\(l)")
                for r in 0..<m { cj[r] = rng.normal() }
                original = VectorMath.dot(cj, cj, m).squareRoot()
            }
            // Remove the new direction from the later columns (independent updates).
            let later = l - j - 1
            if later > 0 {
                let body: (Range<Int>) -> Void = { range in
                    for k in range {
                        let ck = t.row(j + 1 + k)
                        VectorMath.axpy(-VectorMath.dot(cj, ck, m), cj, ck, m)
                    }
                }
                if let pool, m * later > 1 << 16 { pool.parallelRanges(later, chunksPerThread: 2, body) } else { body(0..<later) }
            }
        }
        let q = Matrix(rows: m, cols: l)
        for r in 0..<m {
            let dst = q.row(r)
            for j in 0..<l { dst[j] = t.data[j * m + r] }
        }
        return q
    }

    /// Eigen-decomposition of the symmetric `n x n` matrix `a` (row-major) by cyclic Jacobi
    /// rotations. Returns eigenvalues in decreasing order and the matching eigenvectors as the
    /// columns of a row-major `n x n` array. Converges to machine precision in a handful of
    /// sweeps for the small matrices it is used on.
    public static func symmetricEigen(_ a: [Double], n: Int) -> (values: [Double], vectors: [Double]) {
        precondition(a.count == n * n, "expected \(n * n) entries")
        var m = a
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        let total = m.reduce(0) { $0 + $1 * $1 }
        for _ in 0..<100 {
            var off = 0.0
            for p in 0..<n { for q in (p + 1)..<max(p + 1, n) { off += m[p * n + q] * m[p * n + q] } }
            if off <= 1e-30 * max(total, 1e-300) { break }
            for p in 0..<n {
                for q in (p + 1)..<max(p + 1, n) {
                    let apq = m[p * n + q]
                    if apq == 0 { continue }
                    let app = m[p * n + p], aqq = m[q * n + q]
                    let theta = (aqq - app) / (2 * apq)
                    let tt = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (tt * tt + 1).squareRoot(), s = tt * c
                    // Rotate rows/columns p and q: M = Jᵀ M J.
                    for k in 0..<n {
                        let mkp = m[k * n + p], mkq = m[k * n + q]
                        m[k * n + p] = c * mkp - s * mkq
                        m[k * n + q] = s * mkp + c * mkq
                    }
                    for k in 0..<n {
                        let mpk = m[p * n + k], mqk = m[q * n + k]
                        m[p * n + k] = c * mpk - s * mqk
                        m[q * n + k] = s * mpk + c * mqk
                    }
                    for k in 0..<n {
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        let order = (0..<n).sorted { m[$0 * n + $0] > m[$1 * n + $1] }
        let values = order.map { m[$0 * n + $0] }
        var vectors = [Double](repeating: 0, count: n * n)
        for (newCol, old) in order.enumerated() { for k in 0..<n { vectors[k * n + newCol] = v[k * n + old] } }
        return (values, vectors)
    }
}
