import Foundation
import NumCore
import Codebooks
import CPrefetch

/// The lookup tables behind ``ESANSSampler``'s draws, in flat buffers that the sampling loop
/// reads without reference counting or per-cluster arrays.
///
/// Items are listed by primary cluster, and inside a cluster by secondary code, so each
/// (primary, secondary) cell is one contiguous run. A hard negative for a positive in cell
/// (p, s) is then an exact uniform draw over cluster p with the run of cell s skipped: no
/// rejection and no lookup of the drawn item's secondary code.
final class SemanticClusterTables: @unchecked Sendable {
    /// Primary clusters (k_p).
    let clusters: Int
    /// Primary cluster of each item.
    let primary: UnsafeMutableBufferPointer<Int32>
    /// Items grouped by primary then secondary code; cluster p is `members[start[p]..<start[p+1]]`.
    let members: UnsafeMutableBufferPointer<Int32>, start: UnsafeMutableBufferPointer<Int32>
    /// Per item: where its own cell starts inside its cluster's run, and the cell's size (0
    /// when cells are not excluded, for primary-only clusters).
    let cellOffset: UnsafeMutableBufferPointer<Int32>, cellSize: UnsafeMutableBufferPointer<Int32>
    /// Per cluster p, a `clusters`-outcome alias table over the easy clusters q != p, flattened
    /// as row p; `easyWeight` holds the normalised probabilities and `hasEasy[p]` whether
    /// cluster p has any non-empty other cluster.
    let easyProbability: UnsafeMutableBufferPointer<Float>, easyAlias: UnsafeMutableBufferPointer<Int32>
    let easyWeight: UnsafeMutableBufferPointer<Double>, hasEasy: UnsafeMutableBufferPointer<Bool>
    /// Whether an easy negative is drawn inside its cluster by item weight or uniformly.
    let weightedMembers: Bool
    /// With weights, an alias table per cluster in `members` order: entry `start[q] + k` holds
    /// the chance of keeping the cluster's k-th member and the member and its alias as items,
    /// so a draw reads one 16-byte entry and selects without a branch.
    let memberEntries: UnsafeMutableBufferPointer<MemberEntry>

    /// One outcome of a cluster's alias table over its members (see ``memberEntries``).
    struct MemberEntry {
        var probability: Float = 1
        var item: Int32 = 0, alias: Int32 = 0
        private var padding: Int32 = 0
        init() {}
        init(probability: Float, item: Int32, alias: Int32) { self.probability = probability; self.item = item; self.alias = alias }
    }
    /// Per item: the log of its probability in a draw from its own cluster (log 1/size when
    /// members are drawn uniformly).
    let logShare: UnsafeMutableBufferPointer<Float>

    /// Tables for items with semantic IDs `ids` (their grouping by primary then secondary
    /// code, ``Codebooks/SemanticIDs/sortedItems``, is the draw order). Easy clusters are
    /// weighted by softmax(-dist(C_p, C_q) / temperature), uniformly when `centroidDistances`
    /// is nil, and also by their sizes when `sizeWeighted` (``Runs/EasyProposal/item``).
    /// With `itemWeights` (one positive weight per item, ``Runs/EasyProposal/popularity``) a
    /// cluster is weighted by the sum of its items' weights instead of its size, and an item is
    /// drawn inside its cluster in proportion to its weight.
    /// Clusters past the largest code in use are left out.
    init(ids: SemanticIDs, excludeOwnCell: Bool, centroidDistances: Matrix?, temperature: Float, sizeWeighted: Bool = false,
         itemWeights: [Double]? = nil) {
        precondition(itemWeights.map { $0.count == ids.primary.count && $0.allSatisfy { $0 > 0 && $0.isFinite } } ?? true,
                     "one positive, finite weight per item")
        let codes = ids.primary, secondary = ids.secondary
        let n = codes.count
        let kp = Int(codes.max() ?? 0) + 1
        clusters = kp
        primary = Self.buffer(codes)
        let order = ids.sortedItems
        members = Self.buffer(order)
        let starts = (0...kp).map { Int32(ids.primaryStart[min($0, ids.kp)]) }
        start = Self.buffer(starts)
        var offset = [Int32](repeating: 0, count: n), size = [Int32](repeating: 0, count: n)
        var i = 0
        while i < n {
            // One cell: the run of equal (primary, secondary) in `order`.
            let first = Int(order[i])
            var j = i
            while j < n && codes[Int(order[j])] == codes[first] && secondary[Int(order[j])] == secondary[first] { j += 1 }
            for k in i..<j {
                offset[Int(order[k])] = Int32(i) - starts[Int(codes[first])]
                size[Int(order[k])] = excludeOwnCell ? Int32(j - i) : 0
            }
            i = j
        }
        cellOffset = Self.buffer(offset)
        cellSize = Self.buffer(size)
        // Inside each cluster: an alias table over its members' weights, or uniform draws.
        weightedMembers = itemWeights != nil
        var clusterMass = [Double](repeating: 0, count: kp), share = [Float](repeating: 0, count: n)
        var entries = [MemberEntry](repeating: MemberEntry(), count: weightedMembers ? n : 0)
        for q in 0..<kp {
            let run = Int(starts[q])..<Int(starts[q + 1])
            guard !run.isEmpty else { continue }
            let w = run.map { itemWeights?[Int(order[$0])] ?? 1 }
            clusterMass[q] = w.reduce(0, +)
            let table = AliasTable(weights: w)
            for (k, i) in run.enumerated() {
                share[Int(order[i])] = Float(log(table.weights[k]))
                if weightedMembers {
                    entries[i] = MemberEntry(probability: table.probability[k], item: order[i], alias: order[run.lowerBound + Int(table.alias[k])])
                }
            }
        }
        memberEntries = Self.buffer(entries)
        logShare = Self.buffer(share)
        var prob = [Float](repeating: 1, count: kp * kp), alias = [Int32](repeating: 0, count: kp * kp)
        var weight = [Double](repeating: 0, count: kp * kp), has = [Bool](repeating: false, count: kp)
        for p in 0..<kp {
            let others = (0..<kp).filter { $0 != p && starts[$0 + 1] > starts[$0] }
            guard !others.isEmpty else { continue }
            let dist = others.map { q in centroidDistances.map { Double($0[p, q]) } ?? 0 }
            // Softmax of -dist / T_c, shifted by the nearest cluster so exp cannot underflow to all zeros.
            let nearest = dist.min() ?? 0
            var w = [Double](repeating: 0, count: kp)
            for (q, d) in zip(others, dist) {
                let mass = itemWeights != nil ? clusterMass[q] : sizeWeighted ? Double(starts[q + 1] - starts[q]) : 1
                w[q] = exp(-(d - nearest) / Double(temperature)) * mass
            }
            let table = AliasTable(weights: w)
            for q in 0..<kp {
                prob[p * kp + q] = table.probability[q]
                alias[p * kp + q] = table.alias[q]
                weight[p * kp + q] = table.weights[q]
            }
            has[p] = true
        }
        easyProbability = Self.buffer(prob)
        easyAlias = Self.buffer(alias)
        easyWeight = Self.buffer(weight)
        hasEasy = Self.buffer(has)
    }

    deinit {
        primary.deallocate(); members.deallocate(); start.deallocate(); cellOffset.deallocate(); cellSize.deallocate()
        easyProbability.deallocate(); easyAlias.deallocate(); easyWeight.deallocate(); hasEasy.deallocate()
        memberEntries.deallocate(); logShare.deallocate()
    }

    /// Items in cluster `p`.
    @inline(__always) func size(of p: Int) -> Int { Int(start[p + 1] - start[p]) }

    /// Size of the hard set of `item` as a positive: its cluster minus its own cell (at least 1).
    @inline(__always) func hardSetSize(_ item: Int) -> Int {
        max(1, size(of: Int(primary[item])) - Int(cellSize[item]))
    }

    /// A uniform draw from the hard set of `positive` (its cluster minus its own cell), or nil
    /// when that set is empty.
    @inline(__always) func drawHard(_ positive: Int, _ rng: inout RandomSource) -> Int32? {
        hardIndex(positive, &rng).map { members[$0] }
    }

    /// Where ``drawHard(_:_:)`` lands in `members`, with the same use of `rng`.
    @inline(__always) func hardIndex(_ positive: Int, _ rng: inout RandomSource) -> Int? {
        let p = Int(primary[positive])
        let n = size(of: p) - Int(cellSize[positive])
        guard n > 0 else { return nil }
        var r = rng.below(n)
        if r >= Int(cellOffset[positive]) { r += Int(cellSize[positive]) }
        return Int(start[p]) + r
    }

    /// An easy cluster for a positive in cluster `p` (the caller checks `hasEasy[p]`).
    @inline(__always) func drawEasyCluster(_ p: Int, _ rng: inout RandomSource) -> Int {
        Int(AliasTable.draw(probability: easyProbability.baseAddress! + p * clusters, alias: easyAlias.baseAddress! + p * clusters,
                            count: clusters, &rng))
    }

    /// A member of cluster `q`: by item weight when the tables have weights, else uniformly.
    @inline(__always) func drawMember(_ q: Int, _ rng: inout RandomSource) -> Int32 {
        member(at: memberIndex(q, &rng), &rng)
    }

    /// The first half of ``drawMember(_:_:)``: which outcome of cluster `q`'s table is drawn,
    /// as an index into `members` (and `memberEntries`).
    @inline(__always) func memberIndex(_ q: Int, _ rng: inout RandomSource) -> Int {
        Int(start[q]) + rng.below(size(of: q))
    }

    /// The second half: the member that outcome `i` gives (its item, or with weights the item
    /// or its alias, one more draw from `rng`).
    @inline(__always) func member(at i: Int, _ rng: inout RandomSource) -> Int32 {
        guard weightedMembers else { return members[i] }
        let e = memberEntries[i]
        return rng.unitFloat() < e.probability ? e.item : e.alias
    }

    /// Asks the cache for outcome `i` (see ``memberIndex(_:_:)``) ahead of ``member(at:_:)``.
    @inline(__always) func prefetchMember(at i: Int) {
        if weightedMembers {
            esans_prefetch_read(memberEntries.baseAddress! + i, MemoryLayout<MemberEntry>.stride)
        } else {
            esans_prefetch_read(members.baseAddress! + i, MemoryLayout<Int32>.stride)
        }
    }

    /// Asks the cache for `primary[item]`.
    @inline(__always) func prefetchPrimary(of item: Int) { esans_prefetch_read(primary.baseAddress! + item, MemoryLayout<Int32>.stride) }

    /// Asks the cache for `members[i]` (a hard draw, ``hardIndex(_:_:)``).
    @inline(__always) func prefetchHard(at i: Int) { esans_prefetch_read(members.baseAddress! + i, MemoryLayout<Int32>.stride) }

    /// Skips the stream use of ``member(at:_:)`` (the peek of ``MSACDraws``).
    @inline(__always) func skipMember(_ rng: inout RandomSource) { if weightedMembers { _ = rng.unitFloat() } }

    private static func buffer<T>(_ values: [T]) -> UnsafeMutableBufferPointer<T> {
        let b = UnsafeMutableBufferPointer<T>.allocate(capacity: max(values.count, 1))
        _ = b.initialize(from: values)
        return b
    }
}
