/// The transpose of a weighted sparse matrix in compressed-row form, by a counting sort over
/// columns (so the rows of the result list their columns in ascending order).
public enum CSRTranspose {
    /// `rows` rows with entries `indices[offsets[r]..<offsets[r+1]]` (columns in `0..<cols`) and
    /// `values` alongside; returns the `cols`-row transpose in the same layout.
    public static func transpose(rows: Int, cols: Int, offsets: [Int], indices: [Int32], values: [Float])
        -> (offsets: [Int], indices: [Int32], values: [Float]) {
        precondition(offsets.count == rows + 1 && indices.count == values.count && offsets[rows] == indices.count, "CSR arrays out of step")
        var out = [Int](repeating: 0, count: cols + 1)
        for c in indices { out[Int(c) + 1] += 1 }
        for c in 0..<cols { out[c + 1] += out[c] }
        var fill = out
        var ci = [Int32](repeating: 0, count: values.count)
        var vs = [Float](repeating: 0, count: values.count)
        for r in 0..<rows {
            for k in offsets[r]..<offsets[r + 1] {
                let c = Int(indices[k])
                ci[fill[c]] = Int32(r)
                vs[fill[c]] = values[k]
                fill[c] += 1
            }
        }
        return (out, ci, vs)
    }
}
