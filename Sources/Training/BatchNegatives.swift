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

    /// Masked pairs as sorted flat indices: `b * N + j` for the shared pool and `b * M + m`
    /// for the per-positive negatives.
    mutating func masks(batch: BatchRequest, negatives: NegativeBatch, train: Interactions, pool: WorkerPool) -> (shared: [Int32], perPositive: [Int32]) {
        let B = batch.count, N = negatives.shared.count, M = negatives.perPositiveCount
        var shared: [Int32] = []
        if N > 0 {
            index(negatives.shared)
            // Rows are split into chunks scanned in parallel (the slot index is read-only
            // meanwhile); chunks are concatenated in order, so the list stays sorted.
            let chunks = 2 * pool.threadCount
            let parts = UnsafeMutablePointer<[Int32]>.allocate(capacity: chunks)
            parts.initialize(repeating: [], count: chunks)
            defer { parts.deinitialize(count: chunks); parts.deallocate() }
            let me = self
            pool.parallelFor(chunks) { c in
                var out: [Int32] = []
                var rowHits: [Int32] = []
                for b in (c * B / chunks)..<((c + 1) * B / chunks) {
                    rowHits.removeAll(keepingCapacity: true)
                    me.positions(of: batch.positives[b]) { rowHits.append(Int32(b * N + $0)) }
                    for it in train.items(of: Int(batch.users[b])) { me.positions(of: it) { rowHits.append(Int32(b * N + $0)) } }
                    // The positive may also be a training item of the user: keep entries unique.
                    rowHits.sort()
                    var last: Int32 = -1
                    for h in rowHits where h != last { out.append(h); last = h }
                }
                parts[c] = out
            }
            for c in 0..<chunks { shared += parts[c] }
            unindex(negatives.shared)
        }
        var per: [Int32] = []
        if M > 0 && !negatives.perPositiveFiltered {
            for b in 0..<B {
                let u = Int(batch.users[b])
                for m in 0..<M {
                    let it = negatives.perPositive[b * M + m]
                    if it == batch.positives[b] || train.contains(user: u, item: it) { per.append(Int32(b * M + m)) }
                }
            }
        }
        return (shared, per)
    }

    /// (sampled real negatives that are test items of the row's user, all sampled real negatives).
    mutating func falseNegatives(batch: BatchRequest, negatives: NegativeBatch, test: Interactions) -> (hits: Int, total: Int) {
        let B = batch.count, N = negatives.shared.count, M = negatives.perPositiveCount
        var hits = 0
        if N > 0 {
            index(negatives.shared)
            for b in 0..<B where Int(batch.users[b]) < test.numUsers {
                for it in test.items(of: Int(batch.users[b])) { positions(of: it) { _ in hits += 1 } }
            }
            unindex(negatives.shared)
        }
        if M > 0 {
            for b in 0..<B where Int(batch.users[b]) < test.numUsers {
                for m in 0..<M where test.contains(user: Int(batch.users[b]), item: negatives.perPositive[b * M + m]) { hits += 1 }
            }
        }
        return (hits, B * (N + M))
    }
}
