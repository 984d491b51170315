import NumCore

/// A sparse `Float` matrix in compressed sparse row (CSR) form.
///
/// Row `r` holds the entries `values[k]` at columns `columnIndices[k]` for
/// `k` in `rowOffsets[r]..<rowOffsets[r + 1]`, columns ascending and unique. The featurisers
/// build their TF-IDF and PPMI matrices in this form and hand them to ``RandomizedSVD``,
/// which only needs the two products ``multiply(_:pool:)`` (A·X) and
/// ``transposeMultiply(_:pool:)`` (Aᵀ·X) with a thin dense X.
public struct SparseMatrix: Sendable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let cols: Int
    /// Row starts, `rows + 1` entries, `rowOffsets[0] == 0`.
    public let rowOffsets: [Int]
    /// Column of every stored entry, ascending within a row.
    public let columnIndices: [Int32]
    /// Value of every stored entry.
    public let values: [Float]

    /// Number of stored entries.
    public var nonZeroCount: Int { values.count }

    /// Builds from ready CSR arrays. Columns must be in range; each row's columns are sorted
    /// here if they are not already (duplicates are kept as separate entries).
    public init(rows: Int, cols: Int, rowOffsets: [Int], columnIndices: [Int32], values: [Float]) {
        precondition(rowOffsets.count == rows + 1 && rowOffsets.first == 0, "rowOffsets must have rows + 1 entries starting at 0")
        precondition(columnIndices.count == values.count && rowOffsets[rows] == values.count, "CSR arrays disagree")
        var ci = columnIndices
        var vs = values
        for r in 0..<rows {
            let lo = rowOffsets[r], hi = rowOffsets[r + 1]
            precondition(lo <= hi, "rowOffsets must not decrease")
            var sorted = true
            for k in lo..<hi {
                precondition(ci[k] >= 0 && Int(ci[k]) < cols, "column \(ci[k]) out of range 0..<\(cols)")
                if k > lo && ci[k] < ci[k - 1] { sorted = false }
            }
            if !sorted {
                let pairs = (lo..<hi).map { (ci[$0], vs[$0]) }.sorted { $0.0 < $1.0 }
                for (o, p) in pairs.enumerated() { ci[lo + o] = p.0; vs[lo + o] = p.1 }
            }
        }
        self.rows = rows
        self.cols = cols
        self.rowOffsets = rowOffsets
        self.columnIndices = ci
        self.values = vs
    }

    /// Builds from coordinate triplets; entries at the same `(row, column)` are summed and
    /// entries that sum to exactly zero are kept (they cost nothing in the products).
    public init(rows: Int, cols: Int, triplets: [(row: Int, col: Int, value: Float)]) {
        for t in triplets {
            precondition(t.row >= 0 && t.row < rows && t.col >= 0 && t.col < cols, "triplet (\(t.row), \(t.col)) out of range")
        }
        // Grouped by row, in input order within a row.
        let rowOf = triplets.map { Int32($0.row) }
        let counts = CountingSort.offsets(of: rowOf, buckets: rows)
        var ci = [Int32](repeating: 0, count: triplets.count)
        var vs = [Float](repeating: 0, count: triplets.count)
        ci.withUnsafeMutableBufferPointer { c in
            vs.withUnsafeMutableBufferPointer { v in
                CountingSort.scatter(rowOf, offsets: counts) { k, slot in
                    c[slot] = Int32(triplets[k].col)
                    v[slot] = triplets[k].value
                }
            }
        }
        // Sort each row by column and merge duplicates.
        var offsets = [Int](repeating: 0, count: rows + 1)
        var outC: [Int32] = []
        var outV: [Float] = []
        outC.reserveCapacity(triplets.count)
        outV.reserveCapacity(triplets.count)
        for r in 0..<rows {
            let pairs = (counts[r]..<counts[r + 1]).map { (ci[$0], vs[$0]) }.sorted { $0.0 < $1.0 }
            for p in pairs {
                if outC.count > offsets[r], outC[outC.count - 1] == p.0 {
                    outV[outV.count - 1] += p.1
                } else {
                    outC.append(p.0)
                    outV.append(p.1)
                }
            }
            offsets[r + 1] = outC.count
        }
        self.init(rows: rows, cols: cols, rowOffsets: offsets, columnIndices: outC, values: outV)
    }

    /// The dense form (for tests and small matrices).
    public func dense() -> Matrix {
        let m = Matrix(rows: rows, cols: cols)
        for r in 0..<rows {
            for k in rowOffsets[r]..<rowOffsets[r + 1] { m[r, Int(columnIndices[k])] += values[k] }
        }
        return m
    }

    /// The transpose, in CSR form (a counting sort over columns, so rows stay sorted).
    public func transposed() -> SparseMatrix {
        let t = CSRTranspose.transpose(rows: rows, cols: cols, offsets: rowOffsets, indices: columnIndices, values: values)
        return SparseMatrix(rows: cols, cols: rows, rowOffsets: t.offsets, columnIndices: t.indices, values: t.values)
    }

    /// `A · X` for a dense `X` of `cols` rows; returns a `rows x X.cols` matrix. Rows of the
    /// result are computed in parallel over `pool` (each task writes only its own rows, so the
    /// result does not depend on the thread count).
    public func multiply(_ x: Matrix, pool: WorkerPool? = WorkerPool.shared) -> Matrix {
        precondition(x.rows == cols, "A is \(rows)x\(cols) but X has \(x.rows) rows")
        let out = Matrix(rows: rows, cols: x.cols)
        let k = x.cols
        rowOffsets.withUnsafeBufferPointer { o in
            columnIndices.withUnsafeBufferPointer { c in
                values.withUnsafeBufferPointer { v in
                    // The buffers stay valid for the duration of the (blocking) parallel loop.
                    let body: (Range<Int>) -> Void = { range in
                        for r in range {
                            let dst = out.row(r)
                            for e in o[r]..<o[r + 1] { VectorMath.axpy(v[e], x.row(Int(c[e])), dst, k) }
                        }
                    }
                    if let pool, rows > 256 {
                        pool.parallelRanges(rows, chunksPerThread: 8, minChunk: 64, body)
                    } else {
                        body(0..<rows)
                    }
                }
            }
        }
        return out
    }

    /// `Aᵀ · X` for a dense `X` of `rows` rows; returns a `cols x X.cols` matrix. Pass the
    /// precomputed `transpose` when calling this repeatedly (it is what makes the product
    /// parallel without write conflicts); without it the transpose is built on each call.
    public func transposeMultiply(_ x: Matrix, transpose: SparseMatrix? = nil, pool: WorkerPool? = WorkerPool.shared) -> Matrix {
        precondition(x.rows == rows, "A is \(rows)x\(cols) but X has \(x.rows) rows")
        let t = transpose ?? transposed()
        precondition(t.rows == cols && t.cols == rows, "transpose has the wrong shape")
        return t.multiply(x, pool: pool)
    }

    /// The sum of every row's entries.
    public func rowSums() -> [Double] {
        (0..<rows).map { r in (rowOffsets[r]..<rowOffsets[r + 1]).reduce(0.0) { $0 + Double(values[$1]) } }
    }
}
