import NumCore
import Losses

/// One batch of a two-tower loss: the logits of every row by GEMM, the ``Loss``'s forward and
/// backward row by row, and the gradients of every vector back through the same GEMMs, with
/// logQ correction and accidental-hit masking.
///
/// For row b with user vector u_b and the loss's logit scale a (1/tau for the softmax family):
///   column 0:      a <u_b, p_b>                       the positive
///   columns 1..N:  a <u_b, s_j> (- logQ_j)             shared negatives (one pool for the batch)
///   next M:        a <u_b, n_bm> (- logQ_bm)           per-positive negatives
///   last V:        a <u_b, x_bv>                       virtual negatives (see VirtualNegatives)
/// logQ is subtracted here when the loss asks for it, otherwise handed to the loss per row.
/// The batch loss is the mean of the row losses.
public struct BatchLoss {
    /// The loss of each row.
    public let loss: any Loss

    /// A batch loss with `loss` on every row.
    public init(_ loss: any Loss) { self.loss = loss }

    /// Inputs of one batch. Matrices hold `batch` (or the stated) rows.
    public struct Inputs {
        public var users: Matrix            // >= B rows of width d; the first B are used
        public var positives: Matrix        // >= B rows of width d; the first B are used
        /// User id of each row (losses with per-user state read it; empty = all 0).
        public var userIDs: [Int32] = []
        public var shared: Matrix?          // N x d
        public var sharedLogQ: [Float]      // N (empty = 0)
        /// Masked (row, shared negative) pairs as sorted flat indices `b * N + j`.
        public var sharedMasked: [Int32]
        public var perPositive: Matrix?     // (B*M) x d, row b*M+m
        public var perPositiveCount: Int    // M
        public var perPositiveLogQ: [Float] // B*M (empty = 0)
        /// Masked per-positive negatives as sorted flat indices `b * M + m`.
        public var perPositiveMasked: [Int32]
        /// Virtual negatives, computed row by row inside the loss's two row loops: their
        /// logits in the forward loop, their backward in the backward loop.
        var virtual: VirtualNegatives? = nil
        /// Where to write the gradients of the item-side vectors, when given: one matrix of
        /// `B + N + B*M` rows holding those of the positives, then the shared negatives, then
        /// the per-positive negatives (the item tower's output order), so that no copy is needed.
        public var itemGradient: Matrix? = nil
        public var batch: Int
        /// Rows the batch loss is averaged over (nil: `batch`). A distributed step computes
        /// each virtual shard's rows apart, each averaged over the whole step's rows.
        public var meanOver: Int? = nil
        /// Creates inputs with no negatives; set the ones in use.
        public init(users: Matrix, positives: Matrix, batch: Int) {
            self.users = users; self.positives = positives; self.batch = batch
            shared = nil; sharedLogQ = []; sharedMasked = []
            perPositive = nil; perPositiveCount = 0; perPositiveLogQ = []; perPositiveMasked = []
        }
        /// Number of virtual negatives per row.
        var virtualCount: Int { virtual?.recipes.perRow ?? 0 }
        /// Logits per row: the positive, then the shared, per-positive and virtual negatives.
        var logitWidth: Int { 1 + (shared?.rows ?? 0) + perPositiveCount + virtualCount }
    }

    /// Gradients w.r.t. every vector input (same shapes as the inputs).
    public struct Gradients {
        public var users: Matrix, positives: Matrix
        public var shared: Matrix?, perPositive: Matrix?
    }

    /// Buffers reused from step to step (a batch's logits alone are 4 MiB).
    public final class Workspace {
        private var buffers: [String: Matrix] = [:]
        /// Creates an empty workspace.
        public init() {}
        /// A `rows x cols` buffer named `name`, reused when the shape is unchanged; zeroed
        /// when `zeroed` is true, otherwise with stale contents.
        func matrix(_ name: String, _ rows: Int, _ cols: Int, zeroed: Bool) -> Matrix {
            let m: Matrix
            if let old = buffers[name], old.rows == rows, old.cols == cols { m = old } else {
                m = Matrix(uninitializedRows: rows, cols: cols)
                buffers[name] = m
            }
            if zeroed { m.fill(0) }
            return m
        }
    }

    /// Mean loss over the batch and the gradients of that mean. Gradient matrices come from
    /// `workspace` and stay valid until its next use.
    ///
    /// Three phases: the shared negatives' logits of every row by one GEMM; each row's other
    /// logits and its loss, which leaves d(loss)/d(logit) in the logit rows; the gradients of
    /// every vector, the shared block by GEMM and the rest row by row.
    public func compute(_ x: Inputs, workspace: Workspace = Workspace(), pool: WorkerPool = .shared) -> (loss: Double, grads: Gradients) {
        let logits = workspace.matrix("logits", x.batch, x.logitWidth, zeroed: false)
        sharedLogits(x, into: logits, pool: pool)
        let total = rowLosses(x, logits: logits, workspace: workspace, pool: pool)
        return (total, gradients(x, logitGradients: logits, workspace: workspace, pool: pool))
    }

    /// Phase 1: the shared negatives' logits a <u_b, s_j> of every row, by one GEMM straight
    /// into columns 1..N of the logit rows.
    private func sharedLogits(_ x: Inputs, into logits: Matrix, pool: WorkerPool) {
        let B = x.batch, d = x.users.cols, N = x.shared?.rows ?? 0, width = x.logitWidth
        if let s = x.shared, N > 0 {
            sgemm(transA: false, transB: true, m: B, n: N, k: d, alpha: loss.logitScale, a: x.users.data, lda: d,
                  b: s.data, ldb: d, c: logits.data + 1, ldc: width, pool: pool)
        }
    }

    /// Phase 2: each row's remaining logits (logQ, masks, virtual negatives) and its loss; the
    /// loss replaces the row's logits by d(loss)/d(logit). Returns the batch loss.
    private func rowLosses(_ x: Inputs, logits: Matrix, workspace: Workspace, pool: WorkerPool) -> Double {
        let B = x.batch, d = x.users.cols
        let mean = x.meanOver ?? B
        let N = x.shared?.rows ?? 0, M = x.perPositiveCount
        let width = x.logitWidth
        let scale = loss.logitScale, lossFn = loss
        let rowLoss = workspace.matrix("rowLoss", 1, B, zeroed: false)
        let inLogits = loss.logQInLogits
        let hasLogQ = !x.sharedLogQ.isEmpty || !x.perPositiveLogQ.isEmpty
        // Bounds of the shared logits by Cauchy-Schwarz: |<u, s_j>| <= |u| max_j |s_j|. They
        // replace a max/min scan of every row as the softmax shift.
        var sharedNorm: Float = 0, sharedLogQMin: Float = 0, sharedLogQMax: Float = 0
        if let s = x.shared, N > 0 {
            for j in 0..<N { sharedNorm = max(sharedNorm, VectorMath.dot(s.row(j), s.row(j), d)) }
            sharedNorm = sharedNorm.squareRoot()
            if inLogits && !x.sharedLogQ.isEmpty { sharedLogQMin = x.sharedLogQ.min()!; sharedLogQMax = x.sharedLogQ.max()! }
        }
        lossFn.beginBatch(rows: B)
        pool.parallelRanges(B, chunksPerThread: 4, minChunk: 16) { range in
          withRowPass(x.virtual) { pass in
            // The logQ of each column, for losses that apply it themselves.
            let logQRow: UnsafeMutablePointer<Float>? = !inLogits && hasLogQ ? .allocate(capacity: width) : nil
            defer { logQRow?.deallocate() }
            x.sharedMasked.withUnsafeBufferPointer { sharedMasked in
            x.perPositiveMasked.withUnsafeBufferPointer { perMasked in
            for b in range {
                let row = logits.row(b)
                let u = x.users.row(b)
                if inLogits && !x.sharedLogQ.isEmpty { for j in 0..<N { row[1 + j] -= x.sharedLogQ[j] } }
                var (hi, lo) = fillOwnLogits(x, b: b, row: row, scale: scale, subtractLogQ: inLogits, virtual: pass?.forward(b))
                if N > 0 {
                    let reach = VectorMath.dot(u, u, d).squareRoot() * sharedNorm * scale
                    hi = max(hi, reach - sharedLogQMin); lo = min(lo, -reach - sharedLogQMax)
                }
                if let q = logQRow {
                    q.initialize(repeating: 0, count: width)
                    for j in 0..<min(N, x.sharedLogQ.count) { q[1 + j] = x.sharedLogQ[j] }
                    if !x.perPositiveLogQ.isEmpty { for m in 0..<M { q[1 + N + m] = x.perPositiveLogQ[b * M + m] } }
                }
                let sm = N > 0 ? maskedRange(sharedMasked, row: b, width: N) : 0..<0
                let pm = M > 0 ? maskedRange(perMasked, row: b, width: M) : 0..<0
                let lossRow = LossRow(logits: row, width: width, upperBound: hi, lowerBound: lo, batchSize: Float(mean), index: b,
                                      user: x.userIDs.isEmpty ? 0 : x.userIDs[b], logQ: logQRow.map { UnsafePointer($0) },
                                      masked: UnsafeBufferPointer(rebasing: sharedMasked[sm]), offset: 1 - b * N,
                                      UnsafeBufferPointer(rebasing: perMasked[pm]), offset: 1 + N - b * M)
                rowLoss.data[b] = lossFn.row(lossRow) {
                    // The row's original logits, for a loss that must redo it exactly.
                    if let sh = x.shared {
                        for j in 0..<N {
                            row[1 + j] = VectorMath.dot(u, sh.row(j), d) * scale - (inLogits && !x.sharedLogQ.isEmpty ? x.sharedLogQ[j] : 0)
                        }
                    }
                    _ = fillOwnLogits(x, b: b, row: row, scale: scale, subtractLogQ: inLogits, virtual: x.virtual?.logits.row(b))
                }
            }
            }
            }
          }
        }
        if !x.userIDs.isEmpty { lossFn.endBatch(users: Array(x.userIDs.prefix(B))) }
        var total = 0.0
        for b in 0..<B { total += Double(rowLoss.data[b]) }
        return total / Double(mean)
    }

    /// Phase 3: the gradients of every vector from d(loss)/d(logit) in `logits` (every logit is
    /// <u, v> * scale): the shared block by two GEMMs, the rest row by row.
    private func gradients(_ x: Inputs, logitGradients logits: Matrix, workspace: Workspace, pool: WorkerPool) -> Gradients {
        let B = x.batch, d = x.users.cols
        let N = x.shared?.rows ?? 0, M = x.perPositiveCount
        let width = x.logitWidth
        let scale = loss.logitScale
        // Every row of gP, gN and gV is written whole below, so only gU needs zeroing, and only
        // when no GEMM initialised it.
        if let ig = x.itemGradient { precondition(ig.rows >= B + N + B * M && ig.cols == d, "item gradient matrix too small") }
        /// Rows `first..<first + count` of the item gradient, or a workspace buffer.
        func itemRows(_ name: String, _ first: Int, _ count: Int) -> Matrix {
            x.itemGradient.map { Matrix(rowsOf: $0, first: first, count: count) } ?? workspace.matrix(name, count, d, zeroed: false)
        }
        let gU = workspace.matrix("gU", B, d, zeroed: N == 0), gP = itemRows("gP", 0, B)
        var gS: Matrix? = nil, gN: Matrix? = nil
        if let s = x.shared, N > 0 {
            // dU += dS . S * scale ; dS_vectors = dS^T . U * scale
            sgemm(transA: false, transB: false, m: B, n: d, k: N, alpha: scale, a: logits.data + 1, lda: width,
                  b: s.data, ldb: d, c: gU.data, ldc: d, pool: pool)
            // dS_vectors^T = U^T . dS (d x N): reads the B x N gradient block as a row-major B
            // operand, which packs with contiguous copies; dS^T . U would pack it transposed.
            let gT = workspace.matrix("gST", d, N, zeroed: false)
            sgemm(transA: true, transB: false, m: d, n: N, k: B, alpha: scale, a: x.users.data, lda: d,
                  b: logits.data + 1, ldb: width, c: gT.data, ldc: N, pool: pool)
            let g = itemRows("gS", B, N)
            Matrix.transpose(gT.data, rows: d, cols: N, lds: N, into: g.data, ldd: d)
            gS = g
        }
        if M > 0 { gN = itemRows("gN", B + N, B * M) }
        let gNc = gN
        pool.parallelRanges(B, chunksPerThread: 4, minChunk: 16) { range in
          withRowPass(x.virtual) { pass in
            for b in range {
                let row = logits.row(b)
                let u = x.users.row(b), gu = gU.row(b)
                let g0 = row[0] * scale
                VectorMath.axpy(g0, x.positives.row(b), gu, d)
                VectorMath.scaled(g0, u, into: gP.row(b), d)
                if let pp = x.perPositive, let gn = gNc {
                    for m in 0..<M {
                        let g = row[1 + N + m] * scale
                        VectorMath.axpy(g, pp.row(b * M + m), gu, d)
                        VectorMath.scaled(g, u, into: gn.row(b * M + m), d)
                    }
                }
                pass?.backward(b, grad: row + 1 + N + M, userGrad: gU, perPositiveGrad: gNc, positiveGrad: gP)
            }
          }
        }
        return Gradients(users: gU, positives: gP, shared: gS, perPositive: gN)
    }
}

/// `body` with a row pass of `virtual`, or with nil when there are no fused virtual negatives.
@inline(__always)
private func withRowPass<R>(_ virtual: VirtualNegatives?, _ body: (RowPass?) -> R) -> R {
    if let virtual { return virtual.withRows { body($0) } }
    return body(nil)
}

/// Writes row `b`'s logits outside the shared block (the positive, the per-positive
/// negatives, and the virtual negatives' given logits) and returns their largest and smallest.
@inline(__always)
private func fillOwnLogits(_ x: BatchLoss.Inputs, b: Int, row: UnsafeMutablePointer<Float>, scale: Float, subtractLogQ: Bool,
                           virtual: UnsafeMutablePointer<Float>?) -> (hi: Float, lo: Float) {
    let d = x.users.cols, N = x.shared?.rows ?? 0, M = x.perPositiveCount, V = x.virtualCount
    let u = x.users.row(b)
    row[0] = VectorMath.dot(u, x.positives.row(b), d) * scale
    var hi = row[0], lo = row[0]
    if let pp = x.perPositive {
        for m in 0..<M {
            var l = VectorMath.dot(u, pp.row(b * M + m), d) * scale
            if subtractLogQ && !x.perPositiveLogQ.isEmpty { l -= x.perPositiveLogQ[b * M + m] }
            row[1 + N + m] = l
            hi = max(hi, l); lo = min(lo, l)
        }
    }
    if let virtual {
        for v in 0..<V { let l = virtual[v]; row[1 + N + M + v] = l; hi = max(hi, l); lo = min(lo, l) }
    }
    return (hi, lo)
}

/// Positions in the sorted flat index list `masked` that fall in row `row` of width `width`.
@inline(__always)
private func maskedRange(_ masked: UnsafeBufferPointer<Int32>, row: Int, width: Int) -> Range<Int> {
    if masked.isEmpty { return 0..<0 }
    func lowerBound(_ v: Int) -> Int {
        var lo = 0, hi = masked.count
        while lo < hi { let mid = (lo + hi) / 2; if Int(masked[mid]) < v { lo = mid + 1 } else { hi = mid } }
        return lo
    }
    return lowerBound(row * width)..<lowerBound((row + 1) * width)
}
