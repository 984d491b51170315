import Foundation
import NumCore
import Models

/// MSAC alignment (spec 2(b)): one linear projection per modality into a common space,
/// trained with a symmetric InfoNCE (CLIP-style) loss between every pair of modalities of the
/// same item. Items missing a modality skip the pairs that need it.
public final class ModalityAlignment {
    /// Training settings.
    public struct Config: Codable, Sendable, Equatable {
        /// Dimension of the common space.
        public var dim = 64
        /// InfoNCE temperature.
        public var temperature: Float = 0.07
        /// Passes over the items.
        public var epochs = 30
        /// Items per batch (the other items of the batch are the negatives).
        public var batchSize = 256
        /// Adam learning rate.
        public var learningRate: Float = 0.003
        /// Seed of the initialisation and the batch order.
        public var seed: UInt64 = 1
        /// The defaults.
        public init() {}
    }

    /// One projection per modality, `d_m x dim`.
    public let projections: [LinearLayer]
    /// Modality names, in the order of `projections`.
    public let names: [String]
    public let config: Config

    /// Untrained projections for `modalities` (Glorot initialisation from the seed).
    public init(modalities: [ModalityMatrix], config: Config) {
        var rng = RandomSource(seed: config.seed).derived("alignment-init")
        projections = modalities.map { LinearLayer(name: "align.\($0.name)", inputs: $0.dim, outputs: config.dim, rng: &rng) }
        names = modalities.map(\.name)
        self.config = config
    }

    /// Trains the projections, except those of the modalities in `frozen` (which stay as they
    /// are: the others are pulled towards them); returns the mean loss of each epoch.
    @discardableResult
    public func train(_ modalities: [ModalityMatrix], frozen: Set<Int> = [], progress: ((Int, Double) -> Void)? = nil) -> [Double] {
        let n = modalities[0].numItems
        let params = projections.indices.filter { !frozen.contains($0) }.flatMap { [projections[$0].weight, projections[$0].bias] }
        var adamConfig = AdamOptimizer.Config()
        adamConfig.learningRate = config.learningRate
        let adam = AdamOptimizer(config: adamConfig)
        var rng = RandomSource(seed: config.seed).derived("alignment-batches")
        var losses: [Double] = []
        for epoch in 1...max(1, config.epochs) {
            var order = Array(0..<n)
            rng.shuffle(&order)
            var total = 0.0, batches = 0
            var start = 0
            while start < n {
                let batch = Array(order[start..<min(n, start + config.batchSize)])
                start += config.batchSize
                if let loss = step(batch, modalities, frozen: frozen) {
                    adam.update(params)
                    total += loss
                    batches += 1
                } else {
                    for p in params { p.zeroGrad() }
                }
                for m in frozen { projections[m].weight.zeroGrad(); projections[m].bias.zeroGrad() }
            }
            let mean = batches > 0 ? total / Double(batches) : 0
            losses.append(mean)
            progress?(epoch, mean)
        }
        return losses
    }

    /// One batch: forward every modality, symmetric InfoNCE over every pair, backward into
    /// the projections' gradients. Returns nil when no pair has two items to contrast.
    private func step(_ batch: [Int], _ modalities: [ModalityMatrix], frozen: Set<Int> = []) -> Double? {
        let M = modalities.count, d = config.dim, invT = 1 / config.temperature
        // Per modality: the batch rows that have it, their inputs, projections and normalised outputs.
        var rows: [[Int]] = [], inputs: [Matrix] = [], outs: [Matrix] = [], norms: [[Float]] = []
        for (m, mod) in modalities.enumerated() {
            let r = batch.indices.filter { mod.present[batch[$0]] }
            let x = Matrix(rows: max(r.count, 1), cols: mod.dim)
            for (k, b) in r.enumerated() { x.row(k).update(from: mod.vectors.row(batch[b]), count: mod.dim) }
            let h = Matrix(rows: max(r.count, 1), cols: d), y = Matrix(rows: max(r.count, 1), cols: d)
            var nrm: [Float] = []
            if !r.isEmpty {
                projections[m].forward(x, rows: r.count, into: h)
                L2NormalizeLayer.forward(h, rows: r.count, into: y, norms: &nrm)
            }
            rows.append(r); inputs.append(x); outs.append(y); norms.append(nrm)
        }
        let grads = (0..<M).map { Matrix(rows: max(rows[$0].count, 1), cols: d) }
        var loss = 0.0, terms = 0
        for a in 0..<M {
            for b in (a + 1)..<M {
                // Batch positions having both modalities, and their row in each modality's block.
                let posB = Dictionary(uniqueKeysWithValues: rows[b].enumerated().map { ($1, $0) })
                let pairs = rows[a].enumerated().compactMap { (ia, p) in posB[p].map { (ia, $0) } }
                let P = pairs.count
                if P < 2 { continue }
                let za = Matrix(rows: P, cols: d), zb = Matrix(rows: P, cols: d)
                for (k, (ia, ib)) in pairs.enumerated() {
                    za.row(k).update(from: outs[a].row(ia), count: d)
                    zb.row(k).update(from: outs[b].row(ib), count: d)
                }
                let (l, ga, gb) = Self.symmetricInfoNCE(za, zb, invTemperature: invT)
                loss += l
                terms += 1
                for (k, (ia, ib)) in pairs.enumerated() {
                    VectorMath.axpy(1, ga.row(k), grads[a].row(ia), d)
                    VectorMath.axpy(1, gb.row(k), grads[b].row(ib), d)
                }
            }
        }
        if terms == 0 { return nil }
        for m in 0..<M where !rows[m].isEmpty && !frozen.contains(m) {
            let n = rows[m].count
            VectorMath.scale(grads[m].data, n * d, by: 1 / Float(terms))
            let dh = Matrix(rows: n, cols: d)
            L2NormalizeLayer.backward(y: outs[m], dy: grads[m], norms: norms[m], rows: n, into: dh)
            projections[m].backward(x: inputs[m], dy: dh, rows: n, dx: nil)
        }
        return loss / Double(terms)
    }

    /// Mean of the two cross-entropies (a→b over b's rows, b→a over a's rows) of the `P x P`
    /// similarity matrix, with the gradients w.r.t. `za` and `zb`.
    static func symmetricInfoNCE(_ za: Matrix, _ zb: Matrix, invTemperature invT: Float) -> (Double, Matrix, Matrix) {
        let P = za.rows, d = za.cols
        let s = Matrix(rows: P, cols: P)
        sgemm(transA: false, transB: true, m: P, n: P, k: d, alpha: invT, a: za.data, lda: d, b: zb.data, ldb: d, c: s.data, ldc: P, pool: nil)
        // dS = (softmax_rows(S) + softmax_cols(S) - 2 I) / (2P).
        let dS = Matrix(rows: P, cols: P)
        var loss = 0.0
        for i in 0..<P {
            let row = s.row(i)
            let mx = VectorMath.max(row, P)
            var sum: Float = 0
            for j in 0..<P { sum += expf(row[j] - mx) }
            loss -= Double(row[i] - mx - logf(sum))
            for j in 0..<P { dS[i, j] += expf(row[j] - mx) / sum }
            dS[i, i] -= 1
        }
        for j in 0..<P {
            var mx = -Float.infinity
            for i in 0..<P { mx = max(mx, s[i, j]) }
            var sum: Float = 0
            for i in 0..<P { sum += expf(s[i, j] - mx) }
            loss -= Double(s[j, j] - mx - logf(sum))
            for i in 0..<P { dS[i, j] += expf(s[i, j] - mx) / sum }
            dS[j, j] -= 1
        }
        let scale = invT / Float(2 * P)
        let ga = Matrix(rows: P, cols: d), gb = Matrix(rows: P, cols: d)
        sgemm(transA: false, transB: false, m: P, n: d, k: P, alpha: scale, a: dS.data, lda: P, b: zb.data, ldb: d, c: ga.data, ldc: d, pool: nil)
        sgemm(transA: true, transB: false, m: P, n: d, k: P, alpha: scale, a: dS.data, lda: P, b: za.data, ldb: d, c: gb.data, ldc: d, pool: nil)
        return (loss / Double(2 * P), ga, gb)
    }

    /// Aligned, L2-normalised vectors of `modality` (index `m`): `numItems x dim` (rows of items
    /// without the modality are zero).
    public func project(_ modality: ModalityMatrix, index m: Int) -> Matrix {
        let n = modality.numItems, d = config.dim
        let h = Matrix(rows: n, cols: d), y = Matrix(rows: n, cols: d)
        var nrm: [Float] = []
        projections[m].forward(modality.vectors, rows: n, into: h)
        L2NormalizeLayer.forward(h, rows: n, into: y, norms: &nrm)
        for i in 0..<n where !modality.present[i] { y.row(i).update(repeating: 0, count: d) }
        return y
    }

    /// Cross-modal top-1 retrieval accuracy of modality `a` → `b`: the share of items having
    /// both whose nearest `b` vector (among items having both) is their own.
    public func crossModalTop1(_ modalities: [ModalityMatrix], _ a: Int, _ b: Int) -> Double {
        let ya = project(modalities[a], index: a), yb = project(modalities[b], index: b)
        let both = (0..<modalities[a].numItems).filter { modalities[a].present[$0] && modalities[b].present[$0] }
        if both.isEmpty { return 0 }
        let d = config.dim
        let xa = Matrix(rows: both.count, cols: d), xb = Matrix(rows: both.count, cols: d)
        for (k, i) in both.enumerated() {
            xa.row(k).update(from: ya.row(i), count: d)
            xb.row(k).update(from: yb.row(i), count: d)
        }
        let hits = TopKRetrieval.top1Matches(xa, xb)
        return Double(hits) / Double(both.count)
    }
}

/// Counts rows `i` of `a` whose highest-scoring row of `b` (inner product) is `i`, in blocks.
enum TopKRetrieval {
    static func top1Matches(_ a: Matrix, _ b: Matrix) -> Int {
        let n = a.rows, d = a.cols, block = 512
        let s = Matrix(rows: min(block, n), cols: b.rows)
        var hits = 0
        var start = 0
        while start < n {
            let rows = min(block, n - start)
            sgemm(transA: false, transB: true, m: rows, n: b.rows, k: d, a: a.row(start), lda: d, b: b.data, ldb: d, c: s.data, ldc: b.rows)
            for r in 0..<rows {
                let row = s.row(r)
                var best = 0
                for j in 1..<b.rows where row[j] > row[best] { best = j }
                if best == start + r { hits += 1 }
            }
            start += rows
        }
        return hits
    }
}
