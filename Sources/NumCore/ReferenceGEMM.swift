/// Straightforward triple-loop GEMM with the same contract as ``sgemm``: the ground truth the
/// fast kernel is tested against. Slow; never use it in a hot path.
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
