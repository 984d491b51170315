import Foundation
import Alignment
import NumCore
import Datasets
import Clustering

/// The behaviour modality: item-item co-occurrence in the training interactions, weighted by
/// positive pointwise mutual information (PPMI) and reduced with ``RandomizedSVD``; or the
/// item vectors of a trained two-tower checkpoint.
///
/// Co-occurrence: `n(i, j)` is the number of users whose training items include both `i` and
/// `j` (`i != j`). Counting every pair of a user with `k` items costs `k²`, so a user with
/// more than ``Options/maxHistory`` items contributes a seeded random sample of
/// `maxHistory` of them: the total work is at most `Σ_u min(deg(u), maxHistory)²`
/// (e.g. ML-1M: users with up to 2,314 items would otherwise dominate the count). The
/// counting runs per item `i` over the users of `i` with a dense scratch row, in parallel,
/// so no hash maps or sorting of pairs are needed. Each row then keeps only its
/// ``Options/maxNeighbours`` most frequent co-occurring items (ties: lower index first);
/// the marginals `r_i` below are taken before this pruning. On Gowalla this cuts the matrix
/// from 41M to about 10M entries (most dropped pairs were seen by a single user), which is
/// what makes the SVD fast; set `maxNeighbours` to 0 to keep every pair.
///
/// PPMI with context-distribution smoothing `α` (Levy, Goldberg & Dagan 2015):
/// `pmi(i, j) = ln( n(i,j) · Σ_k r_k^α / (r_i · r_j^α) )`, `ppmi = max(0, pmi)`, where
/// `r_i = Σ_j n(i, j)`. With `α = 1` this is `ln(p(i,j) / (p(i) p(j)))`; `α = 0.75` (the
/// default) damps the large PMI of pairs with a rare context item. The embedding is
/// `U·sqrt(S)` (see ``EmbeddingScaling/sqrt``).
public enum BehaviourFeatures {
    /// Featuriser settings.
    public struct Options: Sendable {
        /// The SVD's settings (its seed also seeds the history sampling); default d = 64, `U·sqrt(S)`.
        public var svd: SVDEmbedding
        /// Longest history counted per user; longer ones are sampled down (default 500).
        public var maxHistory: Int
        /// Most co-occurring items kept per item (default 256; 0 keeps all).
        public var maxNeighbours: Int
        /// Context-distribution smoothing exponent `α` (default 0.75; 1 = plain PPMI).
        public var smoothing: Double
        /// Defaults: d = 64, histories capped at 500, 256 neighbours per item, α = 0.75, oversampling 10, 2 power
        /// iterations, `U·sqrt(S)`.
        public init(svd: SVDEmbedding = SVDEmbedding(scaling: .sqrt), maxHistory: Int = 500, maxNeighbours: Int = 256,
                    smoothing: Double = 0.75) {
            self.svd = svd
            self.maxHistory = maxHistory
            self.maxNeighbours = maxNeighbours
            self.smoothing = smoothing
        }
    }

    /// Item-item co-occurrence counts with the marginals they were pruned from.
    public struct Cooccurrence: Sendable {
        /// `numItems x numItems` counts `n(i, j)`, zero diagonal, at most `maxNeighbours`
        /// entries per row (symmetric when no row was pruned).
        public var counts: SparseMatrix
        /// `r_i = Σ_j n(i, j)` over all pairs, before pruning.
        public var totals: [Double]
    }

    /// The co-occurrence counts of `train`, counting each user's history capped at
    /// `maxHistory` items and keeping each row's `maxNeighbours` largest counts (0 = all).
    public static func cooccurrence(_ train: Interactions, maxHistory: Int = 500, maxNeighbours: Int = 256, seed: UInt64 = 0,
                                    pool: WorkerPool? = WorkerPool.shared) -> Cooccurrence {
        let n = train.numItems
        let cap = max(2, maxHistory)
        // Capped user lists (CSR), sampled deterministically per user.
        var userOffsets = [0]
        var userItems: [Int32] = []
        userItems.reserveCapacity(train.count)
        let base = RandomSource(seed: seed).derived("behaviour-history")
        for u in 0..<train.numUsers {
            let list = train.items(of: u)
            if list.count <= cap {
                userItems.append(contentsOf: list)
            } else {
                var rng = base.derived(UInt64(u))
                var all = Array(list)
                for k in 0..<cap { all.swapAt(k, k + rng.below(all.count - k)) }
                userItems.append(contentsOf: all[0..<cap].sorted())
            }
            userOffsets.append(userItems.count)
        }
        // Item -> users (CSR transpose of the capped lists).
        let (itemOffsets, itemUsers) = CSRTranspose.transpose(rows: train.numUsers, cols: n, offsets: userOffsets, indices: userItems)
        // Rows of the count matrix, one task per item range (immutable copies: captured
        // `var`s would cost an exclusivity check on every access).
        let (uOff, uItems, iOff, iUsers) = (userOffsets, userItems, itemOffsets, itemUsers)
        let rowCols = UnsafeMutableBufferPointer<[Int32]>.allocate(capacity: n)
        let rowVals = UnsafeMutableBufferPointer<[Float]>.allocate(capacity: n)
        let totals = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
        rowCols.initialize(repeating: [])
        rowVals.initialize(repeating: [])
        totals.initialize(repeating: 0)
        let keep = maxNeighbours > 0 ? maxNeighbours : Int.max
        defer {
            totals.deallocate()
            rowCols.deinitialize(); rowCols.deallocate()
            rowVals.deinitialize(); rowVals.deallocate()
        }
        let body: (Range<Int>) -> Void = { range in
            var counts = [Int32](repeating: 0, count: n)
            var touched: [Int32] = []
            for i in range {
                for k in iOff[i]..<iOff[i + 1] {
                    let u = Int(iUsers[k])
                    for e in uOff[u]..<uOff[u + 1] {
                        let j = Int(uItems[e])
                        if counts[j] == 0 { touched.append(Int32(j)) }
                        counts[j] += 1
                    }
                }
                counts[i] = 0                               // no self pairs
                var total = 0
                for j in touched { total += Int(counts[Int(j)]) }
                totals[i] = Double(total)
                touched.sort()
                // Keep counts above the keep-th largest, and as many equal to it as fit
                // (lowest indices first).
                var threshold: Int32 = 1, equalSlots = Int.max
                if touched.count - 1 > keep {
                    var cv = touched.map { counts[Int($0)] }
                    cv.sort(by: >)
                    threshold = cv[keep - 1]
                    var above = 0
                    while cv[above] > threshold { above += 1 }
                    equalSlots = keep - above
                }
                var cs: [Int32] = []
                var vs: [Float] = []
                cs.reserveCapacity(min(touched.count, keep))
                vs.reserveCapacity(min(touched.count, keep))
                for j in touched {
                    let c = counts[Int(j)]
                    if c > threshold || (c == threshold && equalSlots > 0) {
                        if c == threshold { equalSlots -= 1 }
                        cs.append(j)
                        vs.append(Float(c))
                    }
                    counts[Int(j)] = 0
                }
                touched.removeAll(keepingCapacity: true)
                rowCols[i] = cs
                rowVals[i] = vs
            }
        }
        if let pool, n > 64 { pool.parallelRanges(n, chunksPerThread: 8, body) } else { body(0..<n) }
        var offsets = [Int](repeating: 0, count: n + 1)
        for i in 0..<n { offsets[i + 1] = offsets[i] + rowCols[i].count }
        var cols: [Int32] = []
        var vals: [Float] = []
        cols.reserveCapacity(offsets[n])
        vals.reserveCapacity(offsets[n])
        for i in 0..<n {
            cols.append(contentsOf: rowCols[i])
            vals.append(contentsOf: rowVals[i])
        }
        return Cooccurrence(counts: SparseMatrix(rows: n, cols: n, rowOffsets: offsets, columnIndices: cols, values: vals),
                            totals: Array(totals))
    }

    /// PPMI of co-occurrence counts with context smoothing `smoothing` (`α`; see the type's
    /// documentation); `totals` are the marginals `r_i` (default: the row sums of `counts`).
    /// Only positive entries are kept. The result is in general not symmetric (rows are
    /// targets, columns contexts).
    public static func ppmi(_ counts: SparseMatrix, totals: [Double]? = nil, smoothing: Double = 0.75) -> SparseMatrix {
        let r = totals ?? counts.rowSums()
        precondition(r.count == counts.rows, "one total per row needed")
        let logR = r.map { $0 > 0 ? log($0) : 0 }
        let contextTotal = r.reduce(0.0) { $0 + ($1 > 0 ? pow($1, smoothing) : 0) }
        let logTotal = contextTotal > 0 ? log(contextTotal) : 0
        var offsets = [0]
        var cols: [Int32] = []
        var vals: [Float] = []
        cols.reserveCapacity(counts.nonZeroCount)
        vals.reserveCapacity(counts.nonZeroCount)
        for i in 0..<counts.rows {
            for k in counts.rowOffsets[i]..<counts.rowOffsets[i + 1] {
                let j = Int(counts.columnIndices[k])
                let c = Double(counts.values[k])
                guard c > 0 else { continue }
                let pmi = log(c) + logTotal - logR[i] - smoothing * logR[j]
                if pmi > 0 {
                    cols.append(counts.columnIndices[k])
                    vals.append(Float(pmi))
                }
            }
            offsets.append(cols.count)
        }
        return SparseMatrix(rows: counts.rows, cols: counts.cols, rowOffsets: offsets, columnIndices: cols, values: vals)
    }

    /// The behaviour modality of `train`: co-occurrence, PPMI, randomised SVD to
    /// `options.svd.dim`. Items with no positive PPMI entry (e.g. never interacted with, or only
    /// by users with no other item) are marked not present.
    public static func build(train: Interactions, options: Options = Options(),
                             pool: WorkerPool? = WorkerPool.shared) -> ModalityMatrix {
        let c = cooccurrence(train, maxHistory: options.maxHistory, maxNeighbours: options.maxNeighbours,
                             seed: options.svd.seed, pool: pool)
        let counts = c.counts
        let p = ppmi(counts, totals: c.totals, smoothing: options.smoothing)
        let reduced = options.svd.reduce(p, pool: pool)
        let capped = (0..<train.numUsers).reduce(0) { $0 + (train.degree(of: $1) > options.maxHistory ? 1 : 0) }
        let report = [
            "behaviour: \(counts.nonZeroCount) co-occurring pairs kept (\(options.maxNeighbours) per item), \(p.nonZeroCount) positive PPMI (α = \(options.smoothing)); "
                + "\(capped) users with more than \(options.maxHistory) items sampled down",
            "behaviour: \(reduced.presentCount) of \(p.rows) items present; \(reduced.summary)",
        ]
        return ModalityMatrix(name: "behaviour", vectors: reduced.vectors, present: reduced.present, report: report)
    }

    /// Item vectors from a two-tower checkpoint (safetensors): tensor `tensor` (default the
    /// item ID embedding `item.embedding`) must have one row per data set item, in item index
    /// order. Rows that are all zero (items the model never trained) are marked not present.
    /// - Throws: ``SemanticError`` naming the file when the tensor is missing, has the wrong
    ///   number of rows, or holds NaN/inf (naming the row).
    public static func fromCheckpoint(_ url: URL, tensor: String = "item.embedding", numItems: Int) throws -> ModalityMatrix {
        let file = try SafeTensorsFile.read(from: url)
        guard file.shape(of: tensor) != nil else {
            throw SemanticError(file: url.lastPathComponent, item: tensor, problem: "no such tensor (tensors: \(file.names.prefix(8).joined(separator: ", ")))")
        }
        let m = try file.matrix(tensor)
        guard m.rows == numItems else {
            throw SemanticError(file: url.lastPathComponent, item: tensor, problem: "has \(m.rows) rows but the data set has \(numItems) items")
        }
        var present = [Bool](repeating: false, count: numItems)
        for r in 0..<m.rows {
            let p = m.row(r)
            for c in 0..<m.cols where !p[c].isFinite {
                throw SemanticError(file: url.lastPathComponent, item: tensor, problem: "row \(r): non-finite value \(p[c]) in column \(c)")
            }
            present[r] = (0..<m.cols).contains { p[$0] != 0 }
        }
        let count = present.reduce(0) { $0 + ($1 ? 1 : 0) }
        return ModalityMatrix(name: "behaviour", vectors: m, present: present,
                              report: ["behaviour: \(m.cols)-d vectors of \(count) of \(numItems) items from \(url.lastPathComponent) '\(tensor)'"])
    }
}
