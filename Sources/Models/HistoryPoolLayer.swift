import NumCore

/// Mean of the embeddings of a user's history items (YouTube-DNN style): a user who was not
/// in training can still be represented from the items they interacted with.
///
/// It reads and writes gradients of an item embedding table it does not own, so user and
/// item towers share the item vectors.
public final class HistoryPoolLayer: @unchecked Sendable {
    /// The item embedding table the history items are looked up in.
    public let table: Parameter
    /// Histories longer than this are cut to their first `maxLength` items (a fixed cost
    /// per user; 0 = no limit).
    public let maxLength: Int

    /// A pooling layer over `table`.
    public init(table: Parameter, maxLength: Int) {
        self.table = table
        self.maxLength = maxLength
    }

    /// `out[b] (+)= mean(table[h] for h in histories[b])`; an empty history contributes 0.
    public func forward(histories: [ArraySlice<Int32>], out: Matrix, accumulate: Bool) {
        let d = table.value.cols
        for (b, h) in histories.enumerated() {
            let dst = out.row(b)
            if !accumulate { dst.update(repeating: 0, count: d) }
            let items = clipped(h)
            if items.isEmpty { continue }
            let w = 1 / Float(items.count)
            for id in items { VectorMath.axpy(w, table.value.row(Int(id)), dst, d) }
        }
    }

    /// Scatters `dOut[b] / |h|` into every history item's gradient row.
    public func backward(histories: [ArraySlice<Int32>], dOut: Matrix) {
        let d = table.value.cols
        for (b, h) in histories.enumerated() {
            let items = clipped(h)
            if items.isEmpty { continue }
            let w = 1 / Float(items.count)
            for id in items {
                table.touch(id)
                VectorMath.axpy(w, dOut.row(b), table.grad.row(Int(id)), d)
            }
        }
    }

    @inline(__always) private func clipped(_ h: ArraySlice<Int32>) -> ArraySlice<Int32> {
        maxLength > 0 && h.count > maxLength ? h.prefix(maxLength) : h
    }
}
