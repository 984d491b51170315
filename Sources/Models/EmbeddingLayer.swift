import NumCore

/// An ID embedding table: forward gathers rows, backward scatters gradients into the
/// touched rows of the table's sparse gradient.
public final class EmbeddingLayer: @unchecked Sendable {
    /// The table, `vocabulary x dim`.
    public let table: Parameter
    /// Output width.
    public var dim: Int { table.value.cols }

    /// A table of `vocabulary` rows of width `dim`, initialised N(0, std^2).
    public init(name: String, vocabulary: Int, dim: Int, std: Float, rng: inout RandomSource) {
        table = Parameter(name: name, rows: vocabulary, cols: dim, sparse: true, decays: true)
        table.initNormal(std: std, rng: &rng)
    }

    /// `out[b] = table[ids[b]]` (or `+=` when `accumulate`).
    public func forward(ids: [Int32], out: Matrix, accumulate: Bool = false) {
        precondition(out.rows >= ids.count && out.cols == dim)
        let d = dim, table = self.table
        WorkerPool.shared.parallelRanges(ids.count, chunksPerThread: 2, minChunk: 512) { rows in
            for b in rows {
                let src = table.value.row(Int(ids[b])), dst = out.row(b)
                if accumulate { VectorMath.axpy(1, src, dst, d) } else { dst.update(from: src, count: d) }
            }
        }
    }

    /// `grad[ids[b]] += dOut[b] + l2 * table[ids[b]]` (the second term is the gradient of an
    /// L2 penalty `l2 / 2 * ||e||^2` on every gathered row, once per occurrence). A row `b`
    /// with `ids[b] == -1` (an ID left out of the forward pass) adds nothing.
    public func backward(ids: [Int32], dOut: Matrix, l2: Float = 0) {
        for id in ids where id >= 0 { table.touch(id) }
        // Thread t adds the rows whose id % T == t, in batch order: no two threads touch one
        // gradient row, and every row sums in the same order whatever the thread count.
        let d = dim, table = self.table
        let parts = ids.count >= 1024 ? WorkerPool.shared.threadCount : 1
        WorkerPool.shared.parallelFor(parts) { t in
            for (b, id) in ids.enumerated() where id >= 0 && Int(id) % parts == t {
                VectorMath.axpy(1, dOut.row(b), table.grad.row(Int(id)), d)
                if l2 != 0 { VectorMath.axpy(l2, table.value.row(Int(id)), table.grad.row(Int(id)), d) }
            }
        }
    }
}
