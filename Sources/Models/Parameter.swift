import NumCore

/// A trainable tensor with its gradient and Adam moments.
///
/// Dense parameters (MLP weights) are updated every step. Sparse ones (embedding tables) keep
/// a list of the rows touched since the last update, and the optimiser reads, updates and
/// clears only those rows ("lazy" Adam), so a step costs the batch, not the vocabulary.
public final class Parameter: @unchecked Sendable {
    /// Name used in checkpoints, e.g. `user.embedding` or `item.mlp.0.weight`.
    public let name: String
    /// Current value.
    public let value: Matrix
    /// Gradient accumulated since the last optimiser step.
    public let grad: Matrix
    /// Adam first moment.
    public let m: Matrix
    /// Adam second moment.
    public let v: Matrix
    /// Embedding tables are sparse: only touched rows get gradients and updates.
    public let sparse: Bool
    /// Whether weight decay applies (not to biases).
    public let decays: Bool
    /// For sparse parameters: the number of the optimiser step at which each row was last
    /// updated (lazy Adam catches up on the decay of the moments it skipped).
    public var rowStep: [Int32]
    /// For sparse parameters: rows with a gradient since the last step, without repeats.
    public private(set) var touchedRows: [Int32] = []
    private var touchedMark: [Bool]

    /// A parameter of the given shape, zero-initialised.
    public init(name: String, rows: Int, cols: Int, sparse: Bool = false, decays: Bool = true) {
        self.name = name
        value = Matrix(rows: rows, cols: cols)
        grad = Matrix(rows: rows, cols: cols)
        m = Matrix(rows: rows, cols: cols)
        v = Matrix(rows: rows, cols: cols)
        self.sparse = sparse
        self.decays = decays
        rowStep = sparse ? [Int32](repeating: 0, count: rows) : []
        touchedMark = sparse ? [Bool](repeating: false, count: rows) : []
    }

    /// Records that `row` received a gradient (sparse parameters only).
    @inline(__always) public func touch(_ row: Int32) {
        if !touchedMark[Int(row)] {
            touchedMark[Int(row)] = true
            touchedRows.append(row)
        }
    }

    /// Clears the gradient (only the touched rows for sparse parameters).
    public func zeroGrad() {
        if sparse {
            for r in touchedRows { grad.row(Int(r)).update(repeating: 0, count: grad.cols) }
        } else {
            grad.fill(0)
        }
        forgetTouchedRows()
    }

    /// Forgets which rows were touched, leaving the gradient as it is (for the optimiser,
    /// which zeroes every gradient row it reads).
    func forgetTouchedRows() {
        guard sparse else { return }
        for r in touchedRows { touchedMark[Int(r)] = false }
        touchedRows.removeAll(keepingCapacity: true)
    }

    /// Fills the value with N(0, std^2) samples.
    public func initNormal(std: Float, rng: inout RandomSource) {
        for i in 0..<value.count { value.data[i] = rng.normal() * std }
    }

    /// Fills the value with U(-a, a) samples, a = sqrt(6 / (fanIn + fanOut)) (Glorot).
    public func initGlorot(rng: inout RandomSource) {
        let a = (6.0 / Float(value.rows + value.cols)).squareRoot()
        for i in 0..<value.count { value.data[i] = (rng.unitFloat() * 2 - 1) * a }
    }
}
