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
