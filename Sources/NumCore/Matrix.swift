/// A dense, row-major matrix of `Float` over one 64-byte-aligned allocation.
///
/// `Matrix` is a reference type on purpose: model parameters, gradients and optimiser
/// moments are updated in place by kernels that take raw pointers, and copy-on-write would
/// only hide accidental copies in hot loops. Use ``copy()`` when a value copy is wanted.
public final class Matrix: @unchecked Sendable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns (the row stride).
    public let cols: Int
    /// Pointer to `rows * cols` contiguous floats, row-major.
    public let data: UnsafeMutablePointer<Float>

    /// Number of elements.
    public var count: Int { rows * cols }
    /// For a view (``init(rowsOf:first:count:)``), the matrix whose storage it shares.
    private let base: Matrix?

    /// A zero-filled `rows x cols` matrix.
    public init(rows: Int, cols: Int) {
        precondition(rows >= 0 && cols >= 0, "negative matrix shape \(rows)x\(cols)")
        self.rows = rows
        self.cols = cols
        let n = max(rows * cols, 1)
        data = HugePageAllocator.allocate(floats: n)
        data.initialize(repeating: 0, count: n)
        base = nil
    }

    /// A `rows x cols` matrix whose contents are unspecified until written (for outputs a
    /// kernel overwrites completely, such as a GEMM with `beta = 0`).
    public init(uninitializedRows rows: Int, cols: Int) {
        precondition(rows >= 0 && cols >= 0, "negative matrix shape \(rows)x\(cols)")
        self.rows = rows
        self.cols = cols
        data = HugePageAllocator.allocate(floats: max(rows * cols, 1))
        base = nil
    }

    /// Rows `first..<first + count` of `base` as a matrix sharing its storage (no copy; writes
    /// go through to `base`, which the view keeps alive).
    public init(rowsOf base: Matrix, first: Int, count: Int) {
        precondition(first >= 0 && count >= 0 && first + count <= base.rows, "rows \(first)..<\(first + count) of a \(base.rows)-row matrix")
        rows = count
        cols = base.cols
        data = base.data + first * base.cols
        self.base = base
    }

    /// A matrix holding a copy of `values` (row-major, `rows * cols` of them).
    public convenience init(rows: Int, cols: Int, values: [Float]) {
        precondition(values.count == rows * cols, "expected \(rows * cols) values, got \(values.count)")
        self.init(rows: rows, cols: cols)
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { if base == nil { HugePageAllocator.free(data, floats: max(rows * cols, 1)) } }

    /// Element at row `r`, column `c`.
    @inlinable public subscript(r: Int, c: Int) -> Float {
        get { data[r * cols + c] }
        set { data[r * cols + c] = newValue }
    }

    /// Pointer to the first element of row `r`.
    @inlinable public func row(_ r: Int) -> UnsafeMutablePointer<Float> { data + r * cols }

    /// The whole storage as a buffer.
    @inlinable public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: data, count: count)
    }

    /// The elements as an array (row-major).
    public var array: [Float] { Array(buffer) }

    /// Row `r` as an array.
    public func rowArray(_ r: Int) -> [Float] { Array(UnsafeBufferPointer(start: row(r), count: cols)) }

    /// A deep copy.
    public func copy() -> Matrix {
        let m = Matrix(rows: rows, cols: cols)
        m.data.update(from: data, count: count)
        return m
    }

    /// Sets every element to `value`.
    public func fill(_ value: Float) { data.update(repeating: value, count: count) }

    /// Copies the contents of `other`, which must have the same shape.
    public func assign(_ other: Matrix) {
        precondition(other.rows == rows && other.cols == cols, "shape mismatch")
        data.update(from: other.data, count: count)
    }

    /// True when every element is finite.
    public var allFinite: Bool {
        for i in 0..<count where !data[i].isFinite { return false }
        return true
    }
}

extension Matrix {
    /// Writes the transpose of the `rows x cols` block at `src` (row stride `lds`) into `dst`
    /// (`cols x rows`, row stride `ldd`), in 8x8 tiles so both sides stay in cache.
    public static func transpose(_ src: UnsafePointer<Float>, rows: Int, cols: Int, lds: Int,
                                 into dst: UnsafeMutablePointer<Float>, ldd: Int) {
        let t = 8
        var i0 = 0
        while i0 < rows {
            let i1 = Swift.min(rows, i0 + t)
            var j0 = 0
            while j0 < cols {
                let j1 = Swift.min(cols, j0 + t)
                for i in i0..<i1 { for j in j0..<j1 { dst[j * ldd + i] = src[i * lds + j] } }
                j0 = j1
            }
            i0 = i1
        }
    }
}

extension Matrix {
    /// `op(a) * op(b)` as a new matrix (see ``sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:pool:)``).
    public static func product(_ a: Matrix, transposeA: Bool = false, _ b: Matrix, transposeB: Bool = false,
                               pool: WorkerPool? = WorkerPool.shared) -> Matrix {
        let m = transposeA ? a.cols : a.rows
        let k = transposeA ? a.rows : a.cols
        let n = transposeB ? b.rows : b.cols
        precondition((transposeB ? b.cols : b.rows) == k, "inner dimensions differ")
        let c = Matrix(uninitializedRows: m, cols: n)
        sgemm(transA: transposeA, transB: transposeB, m: m, n: n, k: k, a: a.data, lda: a.cols, b: b.data, ldb: b.cols, c: c.data, ldc: n, pool: pool)
        return c
    }
}
