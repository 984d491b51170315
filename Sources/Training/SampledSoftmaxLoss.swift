import NumCore

/// Sampled softmax (InfoNCE) over a positive and several kinds of negatives, with logQ
/// correction and accidental-hit masking, forward and backward in one pass.
///
/// For row b with user vector u_b:
///   logit_pos = <u_b, p_b> / tau
///   logit_j   = <u_b, s_j> / tau - logQ_j      shared negatives (one pool for the batch)
///   logit_m   = <u_b, n_bm> / tau - logQ_bm    per-positive negatives
///   logit_v   = given                          virtual negatives (their logits, see VirtualNegatives)
///   loss_b    = logsumexp(all unmasked logits) - logit_pos;  loss = mean over b.
public struct SampledSoftmaxLoss {
    /// Softmax temperature.
    public var temperature: Float

    /// A loss with temperature `tau`.
    public init(temperature: Float) { self.temperature = temperature }

    /// Inputs of one batch. Matrices hold `batch` (or the stated) rows.
    public struct Inputs {
        public var users: Matrix            // >= B rows of width d; the first B are used
        public var positives: Matrix        // >= B rows of width d; the first B are used
        public var shared: Matrix?          // N x d
        public var sharedLogQ: [Float]      // N (empty = 0)
        /// Masked (row, shared negative) pairs as sorted flat indices `b * N + j`.
        public var sharedMasked: [Int32]
        public var perPositive: Matrix?     // (B*M) x d, row b*M+m
        public var perPositiveCount: Int    // M
        public var perPositiveLogQ: [Float] // B*M (empty = 0)
        /// Masked per-positive negatives as sorted flat indices `b * M + m`.
        public var perPositiveMasked: [Int32]
        /// Logits of the virtual negatives, `B x V` (the caller back-propagates their gradient).
        public var virtualLogits: Matrix?   // B x V
        public var virtualCount: Int        // V
        /// Virtual negatives computed row by row inside the loss (instead of `virtualLogits`):
        /// their logits in the forward row loop, their backward in the backward row loop.
        var virtual: VirtualNegatives? = nil
        /// Where to write the gradients of the item-side vectors, when given: one matrix of
        /// `B + N + B*M` rows holding those of the positives, then the shared negatives, then
        /// the per-positive negatives (the item tower's output order), so that no copy is needed.
        public var itemGradient: Matrix? = nil
        public var batch: Int
        /// Creates inputs with no negatives; set the ones in use.
        public init(users: Matrix, positives: Matrix, batch: Int) {
            self.users = users; self.positives = positives; self.batch = batch
            shared = nil; sharedLogQ = []; sharedMasked = []
            perPositive = nil; perPositiveCount = 0; perPositiveLogQ = []; perPositiveMasked = []
            virtualLogits = nil; virtualCount = 0
        }
    }

    /// Gradients w.r.t. every vector input (same shapes as the inputs).
    public struct Gradients {
        public var users: Matrix, positives: Matrix
        public var shared: Matrix?, perPositive: Matrix?
        /// d(loss)/d(virtual logit), `B x V`.
        public var virtualLogits: Matrix?
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
    public func compute(_ x: Inputs, workspace: Workspace = Workspace(), pool: WorkerPool = .shared) -> (loss: Double, grads: Gradients) {
        let B = x.batch, d = x.users.cols
        let N = x.shared?.rows ?? 0, M = x.perPositiveCount, V = x.virtualCount
        let width = 1 + N + M + V
        let invTau = 1 / temperature
        let logits = workspace.matrix("logits", B, width, zeroed: false)
        // Shared part via one GEMM straight into columns 1..N of the logit rows.
        if let s = x.shared, N > 0 {
            sgemm(transA: false, transB: true, m: B, n: N, k: d, alpha: invTau, a: x.users.data, lda: d,
                  b: s.data, ldb: d, c: logits.data + 1, ldc: width, pool: pool)
        }
        let rowLoss = workspace.matrix("rowLoss", 1, B, zeroed: false)
        // Bounds of the shared logits by Cauchy-Schwarz: |<u, s_j>| <= |u| max_j |s_j|. They
        // replace a max/min scan of every row as the softmax shift.
        var sharedNorm: Float = 0, sharedLogQMin: Float = 0, sharedLogQMax: Float = 0
        if let s = x.shared, N > 0 {
            for j in 0..<N { sharedNorm = max(sharedNorm, VectorMath.dot(s.row(j), s.row(j), d)) }
            sharedNorm = sharedNorm.squareRoot()
            if !x.sharedLogQ.isEmpty { sharedLogQMin = x.sharedLogQ.min()!; sharedLogQMax = x.sharedLogQ.max()! }
        }
        // Per row: remaining logits, masks, softmax; logits become d(loss_b)/d(logit).
        precondition(x.virtual == nil || (x.virtualLogits == nil && x.virtual!.recipes.perRow == V), "virtual negatives given twice")
        pool.parallelRanges(B, chunksPerThread: 4, minChunk: 16) { range in
          withRowPass(x.virtual) { pass in
            for b in range {
                let row = logits.row(b)
                let u = x.users.row(b)
                if !x.sharedLogQ.isEmpty { for j in 0..<N { row[1 + j] -= x.sharedLogQ[j] } }
                var (hi, lo) = fillOwnLogits(x, b: b, row: row, invTau: invTau, virtual: pass?.forward(b) ?? x.virtualLogits?.row(b))
                if N > 0 {
                    let reach = VectorMath.dot(u, u, d).squareRoot() * sharedNorm * invTau
                    hi = max(hi, reach - sharedLogQMin); lo = min(lo, -reach - sharedLogQMax)
                }
                let posLogit = row[0]
                var shift = hi
                // Masked logits are excluded by zeroing their exp after the shift.
                let sum0 = VectorMath.expShiftedInPlace(row, width, shift: hi, minimum: lo)
                let sharedMask = N > 0 ? maskedRange(x.sharedMasked, row: b, width: N) : 0..<0
                let perMask = M > 0 ? maskedRange(x.perPositiveMasked, row: b, width: M) : 0..<0
                var sum = sum0
                for f in sharedMask {
                    let j = 1 + Int(x.sharedMasked[f]) - b * N
                    sum -= row[j]; row[j] = 0
                }
                for f in perMask {
                    let j = 1 + N + Int(x.perPositiveMasked[f]) - b * M
                    sum -= row[j]; row[j] = 0
                }
                // Recompute the sum when masking removed a large share (cancellation safety).
                if sum < 0.5 * sum0 { sum = 0; for j in 0..<width { sum += row[j] } }
                if !(sum >= 1e-25) {
                    // The bound overshot the largest unmasked logit so far that its terms
                    // underflowed (only with tiny temperatures): redo the row exactly.
                    if let sh = x.shared {
                        for j in 0..<N { row[1 + j] = VectorMath.dot(u, sh.row(j), d) * invTau - (x.sharedLogQ.isEmpty ? 0 : x.sharedLogQ[j]) }
                    }
                    _ = fillOwnLogits(x, b: b, row: row, invTau: invTau, virtual: x.virtual?.logits.row(b) ?? x.virtualLogits?.row(b))
                    for f in sharedMask { row[1 + Int(x.sharedMasked[f]) - b * N] = -.infinity }
                    for f in perMask { row[1 + N + Int(x.perPositiveMasked[f]) - b * M] = -.infinity }
                    shift = -.infinity
                    for j in 0..<width { shift = max(shift, row[j]) }
                    sum = 0
                    for j in 0..<width { let e = expf(row[j] - shift); row[j] = e; sum += e }   // exp(-inf) = 0
                }
                // -log softmax of the positive, in log space (exact even if its exp underflowed).
                rowLoss.data[b] = logf(sum) + shift - posLogit
                let scale = 1 / (sum * Float(B))
                for j in 0..<width { row[j] *= scale }
                row[0] -= 1 / Float(B)
            }
          }
        }
        var loss = 0.0
        for b in 0..<B { loss += Double(rowLoss.data[b]) }
        loss /= Double(B)

        // Backward: logits now hold dL/dlogit; every logit is <u, v> * invTau.
        // Every row of gP, gN and gV is written whole below, so only gU needs zeroing, and only
        // when no GEMM initialised it.
        if let ig = x.itemGradient { precondition(ig.rows >= B + N + B * M && ig.cols == d, "item gradient matrix too small") }
        /// Rows `first..<first + count` of the item gradient, or a workspace buffer.
        func itemRows(_ name: String, _ first: Int, _ count: Int) -> Matrix {
            x.itemGradient.map { Matrix(rowsOf: $0, first: first, count: count) } ?? workspace.matrix(name, count, d, zeroed: false)
        }
        let gU = workspace.matrix("gU", B, d, zeroed: N == 0), gP = itemRows("gP", 0, B)
        var gS: Matrix? = nil, gN: Matrix? = nil, gV: Matrix? = nil
        if let s = x.shared, N > 0 {
            // dU += dS . S * invTau ; dS_vectors = dS^T . U * invTau
            sgemm(transA: false, transB: false, m: B, n: d, k: N, alpha: invTau, a: logits.data + 1, lda: width,
                  b: s.data, ldb: d, c: gU.data, ldc: d, pool: pool)
            // dS_vectors^T = U^T . dS (d x N): reads the B x N gradient block as a row-major B
            // operand, which packs with contiguous copies; dS^T . U would pack it transposed.
            let gT = workspace.matrix("gST", d, N, zeroed: false)
            sgemm(transA: true, transB: false, m: d, n: N, k: B, alpha: invTau, a: x.users.data, lda: d,
                  b: logits.data + 1, ldb: width, c: gT.data, ldc: N, pool: pool)
            let g = itemRows("gS", B, N)
            Matrix.transpose(gT.data, rows: d, cols: N, lds: N, into: g.data, ldd: d)
            gS = g
        }
        if M > 0 { gN = itemRows("gN", B + N, B * M) }
        if V > 0 && x.virtual == nil { gV = workspace.matrix("gVL", B, V, zeroed: false) }
        let gNc = gN, gVc = gV
        pool.parallelRanges(B, chunksPerThread: 4, minChunk: 16) { range in
          withRowPass(x.virtual) { pass in
            for b in range {
                let row = logits.row(b)
                let u = x.users.row(b), gu = gU.row(b)
                let g0 = row[0] * invTau
                VectorMath.axpy(g0, x.positives.row(b), gu, d)
                VectorMath.scaled(g0, u, into: gP.row(b), d)
                if let pp = x.perPositive, let gn = gNc {
                    for m in 0..<M {
                        let g = row[1 + N + m] * invTau
                        VectorMath.axpy(g, pp.row(b * M + m), gu, d)
                        VectorMath.scaled(g, u, into: gn.row(b * M + m), d)
                    }
                }
                if let gv = gVc {
                    for v in 0..<V { gv.data[b * V + v] = row[1 + N + M + v] }
                }
                pass?.backward(b, grad: row + 1 + N + M, userGrad: gU, perPositiveGrad: gNc, positiveGrad: gP)
            }
          }
        }
        return (loss, Gradients(users: gU, positives: gP, shared: gS, perPositive: gN, virtualLogits: gV))
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
private func fillOwnLogits(_ x: SampledSoftmaxLoss.Inputs, b: Int, row: UnsafeMutablePointer<Float>, invTau: Float,
                           virtual: UnsafeMutablePointer<Float>?) -> (hi: Float, lo: Float) {
    let d = x.users.cols, N = x.shared?.rows ?? 0, M = x.perPositiveCount, V = x.virtualCount
    let u = x.users.row(b)
    row[0] = VectorMath.dot(u, x.positives.row(b), d) * invTau
    var hi = row[0], lo = row[0]
    if let pp = x.perPositive {
        for m in 0..<M {
            var l = VectorMath.dot(u, pp.row(b * M + m), d) * invTau
            if !x.perPositiveLogQ.isEmpty { l -= x.perPositiveLogQ[b * M + m] }
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
private func maskedRange(_ masked: [Int32], row: Int, width: Int) -> Range<Int> {
    if masked.isEmpty { return 0..<0 }
    func lowerBound(_ v: Int) -> Int {
        var lo = 0, hi = masked.count
        while lo < hi { let mid = (lo + hi) / 2; if Int(masked[mid]) < v { lo = mid + 1 } else { hi = mid } }
        return lo
    }
    return lowerBound(row * width)..<lowerBound((row + 1) * width)
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
