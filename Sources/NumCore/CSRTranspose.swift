/// The transpose of a sparse matrix in compressed-row form, by a counting sort over columns
/// (``CountingSort``), so the rows of the result list their columns in ascending order.
public enum CSRTranspose {
    /// `rows` rows with entries `indices[offsets[r]..<offsets[r+1]]` (columns in `0..<cols`) and
    /// `values` alongside; returns the `cols`-row transpose in the same layout.
    public static func transpose(rows: Int, cols: Int, offsets: [Int], indices: [Int32], values: [Float])
        -> (offsets: [Int], indices: [Int32], values: [Float]) {
        precondition(indices.count == values.count, "CSR arrays out of step")
        var vs = [Float](repeating: 0, count: values.count)
        let (out, ci) = vs.withUnsafeMutableBufferPointer { v in
            values.withUnsafeBufferPointer { src in
                transpose(rows: rows, cols: cols, offsets: offsets, indices: indices) { k, slot in v[slot] = src[k] }
            }
        }
        return (out, ci, vs)
    }

    /// The pattern of the transpose (no values): for a user-by-item list, each item's users,
    /// ascending.
    public static func transpose(rows: Int, cols: Int, offsets: [Int], indices: [Int32]) -> (offsets: [Int], indices: [Int32]) {
        transpose(rows: rows, cols: cols, offsets: offsets, indices: indices) { _, _ in }
    }

    /// The transpose's offsets and row indices, handing each entry's position in `indices`
    /// with its slot in the result to `carry` (to move a value along).
    static func transpose(rows: Int, cols: Int, offsets: [Int], indices: [Int32], carry: (_ position: Int, _ slot: Int) -> Void)
        -> (offsets: [Int], indices: [Int32]) {
        precondition(offsets.count == rows + 1 && offsets[rows] == indices.count, "CSR arrays out of step")
        let out = CountingSort.offsets(of: indices, buckets: cols)
        var ri = [Int32](repeating: 0, count: indices.count)
        ri.withUnsafeMutableBufferPointer { r in
            offsets.withUnsafeBufferPointer { o in
                var row = 0
                CountingSort.scatter(indices, offsets: out) { k, slot in
                    // Positions come in order, so the row only moves forward.
                    while o[row + 1] <= k { row += 1 }
                    r[slot] = Int32(row)
                    carry(k, slot)
                }
            }
        }
        return (out, ri)
    }
}
