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
        for (b, id) in ids.enumerated() {
            let src = table.value.row(Int(id)), dst = out.row(b)
            if accumulate { VectorMath.axpy(1, src, dst, dim) } else { dst.update(from: src, count: dim) }
        }
    }

    /// `grad[ids[b]] += dOut[b]`.
    public func backward(ids: [Int32], dOut: Matrix) {
        for (b, id) in ids.enumerated() {
            table.touch(id)
            VectorMath.axpy(1, dOut.row(b), table.grad.row(Int(id)), dim)
        }
    }
}
