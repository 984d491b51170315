import NumCore
import Datasets
import Sampling

/// Per-batch bookkeeping about sampled negatives: which (row, negative) pairs are accidental
/// hits to mask, and how many sampled negatives are items the user interacts with in the
/// test split (the false-negative rate reported per epoch; it never influences training).
struct BatchNegatives {
    private var slotHead: [Int32]
    private var slotNext: [Int32] = []

    init(numItems: Int) { slotHead = [Int32](repeating: -1, count: numItems) }

    /// What one scan of a batch found.
    struct Scan {
        /// Masked pairs as sorted flat indices `b * N + j` (shared pool).
        var shared: [Int32] = []
        /// Masked pairs as sorted flat indices `b * M + m` (per-positive negatives).
        var perPositive: [Int32] = []
        /// Sampled real negatives that are test items of the row's user.
        var falseNegatives = 0
        /// All sampled real negatives.
        var total = 0
    }

    /// Calls `body(j)` for every position `j` of `shared` holding `item`.
    @inline(__always)
    private func positions(of item: Int32, _ body: (Int) -> Void) {
        var j = slotHead[Int(item)]
        while j >= 0 { body(Int(j)); j = slotNext[Int(j)] }
    }

    private mutating func index(_ shared: [Int32]) {
        slotNext = [Int32](repeating: -1, count: shared.count)
        for j in stride(from: shared.count - 1, through: 0, by: -1) {
            let it = Int(shared[j])
            slotNext[j] = slotHead[it]
            slotHead[it] = Int32(j)
        }
    }

    private mutating func unindex(_ shared: [Int32]) { for it in shared { slotHead[Int(it)] = -1 } }

    /// One pass over the batch, rows split into chunks scanned in parallel (the slot index of
    /// the shared pool is read-only meanwhile; chunks are concatenated in order, so the mask
    /// lists stay sorted). With `train == nil` nothing is masked; false negatives are always
    /// counted against `test`.
    mutating func scan(batch: BatchRequest, negatives: NegativeBatch, train: Interactions?, test: Interactions, pool: WorkerPool) -> Scan {
        let B = batch.count, N = negatives.shared.count, M = negatives.perPositiveCount
        if N > 0 { index(negatives.shared) }
        let chunks = 2 * pool.threadCount
        let parts = UnsafeMutablePointer<Scan>.allocate(capacity: chunks)
        parts.initialize(repeating: Scan(), count: chunks)
        defer { parts.deinitialize(count: chunks); parts.deallocate() }
        // Per-positive masks are needed unless the sampler already kept training items out.
        let maskPer = train != nil && M > 0 && !negatives.perPositiveFiltered
        let me = self
        pool.parallelFor(chunks) { c in
            var out = Scan()
            var rowHits: [Int32] = []
            for b in (c * B / chunks)..<((c + 1) * B / chunks) {
                let u = Int(batch.users[b])
                if let train, N > 0 {
                    rowHits.removeAll(keepingCapacity: true)
                    me.positions(of: batch.positives[b]) { rowHits.append(Int32(b * N + $0)) }
                    for it in train.items(of: u) { me.positions(of: it) { rowHits.append(Int32(b * N + $0)) } }
                    // The positive may also be a training item of the user: keep entries unique.
                    if rowHits.count > 1 { rowHits.sort() }
                    var last: Int32 = -1
                    for h in rowHits where h != last { out.shared.append(h); last = h }
                }
                if maskPer, let train {
                    for m in 0..<M {
                        let it = negatives.perPositive[b * M + m]
                        if it == batch.positives[b] || train.contains(user: u, item: it) { out.perPositive.append(Int32(b * M + m)) }
                    }
                }
                if u < test.numUsers {
                    if N > 0 { for it in test.items(of: u) { me.positions(of: it) { _ in out.falseNegatives += 1 } } }
                    for m in 0..<M where test.contains(user: u, item: negatives.perPositive[b * M + m]) { out.falseNegatives += 1 }
                }
            }
            parts[c] = out
        }
        var result = Scan()
        for c in 0..<chunks {
            result.shared += parts[c].shared
            result.perPositive += parts[c].perPositive
            result.falseNegatives += parts[c].falseNegatives
        }
        result.total = B * (N + M)
        if N > 0 { unindex(negatives.shared) }
        return result
    }
}
