import NumCore

/// Matrices a shard step reuses from step to step: each name keeps one allocation, grown when a
/// step needs more rows, and a step gets a view of its first rows (shards' sub-batches differ by
/// a row or two, so reallocating on every shape change would allocate on most steps).
final class StepBuffers {
    private var buffers: [String: Matrix] = [:]

    /// The first `rows` rows of the buffer `name` (`cols` wide), with stale contents.
    func matrix(_ name: String, _ rows: Int, _ cols: Int) -> Matrix {
        if let old = buffers[name], old.cols == cols, old.rows >= rows { return Matrix(rowsOf: old, first: 0, count: rows) }
        let m = Matrix(uninitializedRows: rows, cols: cols)
        buffers[name] = m
        return Matrix(rowsOf: m, first: 0, count: rows)
    }
}
