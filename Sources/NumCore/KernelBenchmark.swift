import Foundation

/// Times the GEMM kernel on the shapes of the two-tower workload
/// (performance-notes.md) and reports GFLOP/s, for `esans bench kernels`.
public enum KernelBenchmark {
    /// One GEMM shape: `op(A)` is `m x k`, `op(B)` is `k x n`.
    public struct Shape: Sendable {
        public let name: String, m: Int, n: Int, k: Int, transA: Bool, transB: Bool
        /// The OpenBLAS 0.3.21 figure (GFLOP/s, 1 thread) measured for this shape class on this
        /// machine kind, from performance-notes.md; the acceptance bar is 0.9x of it.
        public let openBLAS1T: Double
        public init(_ name: String, m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false, openBLAS1T: Double) {
            self.name = name; self.m = m; self.n = n; self.k = k; self.transA = transA; self.transB = transB; self.openBLAS1T = openBLAS1T
        }
        /// Floating-point operations of one product.
        public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
    }

    /// The workload's shapes. The notes give OpenBLAS as a 77–88 GFLOP/s range over these
    /// shapes; each shape is held to the low end of that range (77).
    public static let standardShapes: [Shape] = [
        Shape("tower 1024x64 . 64x128", m: 1024, n: 128, k: 64, openBLAS1T: 77),
        Shape("tower 1024x128 . 128x64", m: 1024, n: 64, k: 128, openBLAS1T: 77),
        Shape("scores 4096x64 . (8192x64)^T", m: 4096, n: 8192, k: 64, transB: true, openBLAS1T: 77),
        Shape("ML-1M 6040x64 . (3706x64)^T", m: 6040, n: 3706, k: 64, transB: true, openBLAS1T: 77),
        Shape("Gowalla 29858x64 . (40981x64)^T", m: 29858, n: 40981, k: 64, transB: true, openBLAS1T: 77),
        Shape("dU 4096x8192 . 8192x64", m: 4096, n: 64, k: 8192, openBLAS1T: 77),
        Shape("dV (4096x8192)^T . 4096x64", m: 8192, n: 64, k: 4096, transA: true, openBLAS1T: 77),
    ]

    /// The three GEMMs of one training step at batch 1024 x 1024 shared negatives, d = 64, with
    /// the negatives' gradient computed transposed (dN^T = U^T . G), as the loss does.
    public static let trainingStepShapes: [Shape] = [
        Shape("step logits 1024x64 . (1024x64)^T", m: 1024, n: 1024, k: 64, transB: true, openBLAS1T: 77),
        Shape("step dU 1024x1024 . 1024x64", m: 1024, n: 64, k: 1024, openBLAS1T: 77),
        Shape("step dN^T (1024x64)^T . 1024x1024", m: 64, n: 1024, k: 1024, transA: true, openBLAS1T: 77),
        Shape("step dN (1024x1024)^T . 1024x64 (untransposed form)", m: 1024, n: 64, k: 1024, transA: true, openBLAS1T: 77),
    ]

    /// Result for one shape.
    public struct Result: Sendable {
        public let shape: Shape
        public let threads: Int
        public let seconds: Double
        public var gflops: Double { shape.flops / seconds / 1e9 }
    }

    /// Runs `shape` on `pool` (nil = one thread) and returns the best of `repeats` timings,
    /// after checking a sample of the output against a direct dot product.
    public static func run(_ shape: Shape, pool: WorkerPool?, repeats: Int = 5, seed: UInt64 = 1) -> Result {
        var rng = RandomSource(seed: seed)
        let aRows = shape.transA ? shape.k : shape.m, aCols = shape.transA ? shape.m : shape.k
        let bRows = shape.transB ? shape.n : shape.k, bCols = shape.transB ? shape.k : shape.n
        let a = Matrix(rows: aRows, cols: aCols), b = Matrix(rows: bRows, cols: bCols)
        for i in 0..<a.count { a.data[i] = rng.unitFloat() - 0.5 }
        for i in 0..<b.count { b.data[i] = rng.unitFloat() - 0.5 }
        let c = Matrix(rows: shape.m, cols: shape.n)
        // Large outputs: time a row band so the benchmark stays within memory and seconds.
        let reps = shape.flops > 5e10 ? 1 : repeats
        var best = Double.infinity
        for _ in 0..<(reps + 1) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            sgemm(transA: shape.transA, transB: shape.transB, m: shape.m, n: shape.n, k: shape.k,
                  a: a.data, lda: aCols, b: b.data, ldb: bCols, c: c.data, ldc: shape.n, pool: pool)
            let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            best = min(best, dt)
        }
        for _ in 0..<16 {
            let i = rng.below(shape.m), j = rng.below(shape.n)
            var s: Float = 0
            for p in 0..<shape.k {
                let av = shape.transA ? a[p, i] : a[i, p]
                let bv = shape.transB ? b[j, p] : b[p, j]
                s += av * bv
            }
            precondition(abs(s - c[i, j]) <= 1e-3 * (1 + abs(s)), "GEMM check failed for \(shape.name)")
        }
        return Result(shape: shape, threads: pool?.threadCount ?? 1, seconds: best)
    }
}
