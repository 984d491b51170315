import NumCore

/// Elementwise ReLU. Backward uses the layer's output (positive where the input was).
public enum ReLULayer {
    /// `x = max(x, 0)` in place over the first `n` rows.
    public static func forward(_ x: Matrix, rows n: Int) {
        let p = x.data
        for i in 0..<(n * x.cols) where p[i] < 0 { p[i] = 0 }
    }

    /// `dy[i] = 0` where the output `y[i]` is 0, in place.
    public static func backward(y: Matrix, dy: Matrix, rows n: Int) {
        for i in 0..<(n * y.cols) where y.data[i] <= 0 { dy.data[i] = 0 }
    }
}

/// Row-wise L2 normalisation `y = x / max(||x||, eps)`.
public enum L2NormalizeLayer {
    /// Smallest norm divided by: a zero row stays zero, and a near-zero row (e.g. every ReLU
    /// of an MLP off) gets bounded gradients instead of ~1e11 ones that would swamp Adam.
    public static let epsilon: Float = 1e-6

    /// Writes `y = x / ||x||` for the first `n` rows and the norms into `norms`.
    public static func forward(_ x: Matrix, rows n: Int, into y: Matrix, norms: inout [Float]) {
        let d = x.cols
        if norms.count < n { norms = [Float](repeating: 0, count: n) }
        norms.withUnsafeMutableBufferPointer { nb in
            let nb = nb
            // Rows are independent; large batches are split over the worker pool.
            WorkerPool.shared.parallelRanges(n, chunksPerThread: 2, minChunk: 256) { rows in
                for r in rows {
                    let xr = x.row(r), yr = y.row(r)
                    let nrm = max(VectorMath.dot(xr, xr, d).squareRoot(), epsilon)
                    nb[r] = nrm
                    let inv = 1 / nrm
                    for j in 0..<d { yr[j] = xr[j] * inv }
                }
            }
        }
    }

    /// `dx = (dy - y (y . dy)) / ||x||`, row by row.
    public static func backward(y: Matrix, dy: Matrix, norms: [Float], rows n: Int, into dx: Matrix) {
        let d = y.cols
        WorkerPool.shared.parallelRanges(n, chunksPerThread: 2, minChunk: 256) { rows in
            for r in rows {
                let yr = y.row(r), gr = dy.row(r), out = dx.row(r)
                let proj = VectorMath.dot(yr, gr, d)
                let inv = 1 / norms[r]
                for j in 0..<d { out[j] = (gr[j] - yr[j] * proj) * inv }
            }
        }
    }
}

/// Dropout settings of one forward pass: the rate and the seed of its mask.
public struct Dropout: Sendable {
    /// Probability of zeroing an element.
    public var rate: Float
    /// Seed of the mask (one per step, derived from the run seed).
    public var seed: UInt64
    /// Dropout at `rate` with the mask drawn from `seed`.
    public init(rate: Float, seed: UInt64) { self.rate = rate; self.seed = seed }
}

/// Inverted dropout: each element is zeroed with probability p and the rest scaled by
/// 1/(1-p), so that the expected value is unchanged. Backward multiplies by the same mask.
public enum DropoutLayer {
    /// In place over the first `n` rows of `x`, writing the factor of each element into `mask`.
    public static func forward(_ x: Matrix, rows n: Int, rate: Float, seed: UInt64, mask: Matrix) {
        precondition(rate >= 0 && rate < 1, "dropout rate must lie in [0, 1)")
        var rng = RandomSource(seed: seed)
        let keep = 1 / (1 - rate)
        for i in 0..<(n * x.cols) {
            let f: Float = rng.unitFloat() < rate ? 0 : keep
            mask.data[i] = f
            x.data[i] *= f
        }
    }

    /// `dy *= mask`, in place over the first `n` rows.
    public static func backward(_ dy: Matrix, rows n: Int, mask: Matrix) {
        for i in 0..<(n * dy.cols) { dy.data[i] *= mask.data[i] }
    }
}
