import Foundation
import NumCore
import Datasets

/// Item-based collaborative filtering on the binary user-item matrix (as RecBole's ItemKNN).
///
/// With `U_i` the training users of item `i`, the similarity of items `i` and `j` is the
/// shrunk cosine
///
///     sim(i, j) = |U_i ∩ U_j| / (sqrt(|U_i|) · sqrt(|U_j|) + shrink),
///
/// and each item `j` keeps its ``neighbors`` most similar items `N(j)` (never itself, only
/// positive similarities; ties to the lower index). A user with known items `H` scores item
/// `j` with `Σ_{i ∈ H ∩ N(j)} sim(i, j)`: the user's row of the interaction matrix times the
/// truncated similarity matrix `W`, `W[i, j] = sim(i, j)` for `i ∈ N(j)`.
///
/// Fitting counts co-occurrences sparsely: for each item `j`, the items of `j`'s users are
/// tallied into one dense row (only the touched entries are visited again and reset), and the
/// best `neighbors` of that row are picked by ``TopKSelector``. Items are spread over the
/// worker pool in small blocks. `W` is then stored by row (source item `i`), so scoring a user
/// adds one short sparse row per known item.
public struct ItemKNN: Baseline {
    /// The default number of neighbours, chosen on Gowalla's validation split (README,
    /// "Baselines"): validation Recall@20 is flat from 100 to 300 neighbours (0.1900–0.1902 at
    /// shrink 25), and 100 is the cheapest.
    public static let defaultNeighbors = 100
    /// The default shrinkage, chosen likewise: 0.1766 at 0, 0.1874 at 10, 0.1900 at 25, 0.1891
    /// at 50 and 0.1866 at 100 (100 neighbours).
    public static let defaultShrink = 25.0

    /// Neighbours kept per item.
    public let neighbors: Int
    /// Shrinkage added to the cosine's denominator (0 = plain cosine).
    public let shrink: Double
    /// Items per task while fitting.
    public let itemsPerTask: Int

    /// `N(j)` of every item `j`, best first: `neighborItems[neighborOffsets[j]..<neighborOffsets[j + 1]]`.
    public private(set) var neighborOffsets: [Int] = [0]
    /// The neighbours' item indices.
    public private(set) var neighborItems: [Int32] = []
    /// The neighbours' similarities, `sim(neighbour, j)`.
    public private(set) var neighborSimilarities: [Float] = []
    /// `W` by row: for source item `i`, the items `j` with `i ∈ N(j)` (ascending) and `sim(i, j)`.
    private var rowOffsets: [Int] = [0]
    private var rowTargets: [Int32] = []
    private var rowWeights: [Float] = []

    /// An unfitted item-KNN with `neighbors` (at least 1) neighbours per item and `shrink` (at least 0).
    public init(neighbors: Int = ItemKNN.defaultNeighbors, shrink: Double = ItemKNN.defaultShrink, itemsPerTask: Int = 64) {
        precondition(neighbors >= 1, "ItemKNN: neighbors must be at least 1")
        precondition(shrink >= 0 && shrink.isFinite, "ItemKNN: shrink must be finite and at least 0")
        precondition(itemsPerTask >= 1, "ItemKNN: itemsPerTask must be at least 1")
        self.neighbors = neighbors
        self.shrink = shrink
        self.itemsPerTask = itemsPerTask
    }

    /// Number of items of the fit.
    public var numItems: Int { neighborOffsets.count - 1 }

    /// The kept neighbours of `item`, best first, with their similarities.
    public func neighbours(of item: Int) -> [(item: Int32, similarity: Float)] {
        (neighborOffsets[item]..<neighborOffsets[item + 1]).map { (neighborItems[$0], neighborSimilarities[$0]) }
    }

    public mutating func fit(_ train: Interactions, pool: WorkerPool) {
        let numItems = train.numItems
        // Each item's users, ascending (the transpose of `train`).
        let byItem = CSRTranspose.transpose(rows: train.numUsers, cols: numItems, offsets: train.offsets, indices: train.items)
        let norms = (0..<numItems).map { Double(byItem.offsets[$0 + 1] - byItem.offsets[$0]).squareRoot() }
        let keep = min(neighbors, max(numItems - 1, 0))
        let shrink = self.shrink
        // Every item's neighbours in fixed slots, so that tasks write disjoint memory.
        let slotItems = UnsafeMutablePointer<Int32>.allocate(capacity: max(numItems * keep, 1))
        let slotSims = UnsafeMutablePointer<Float>.allocate(capacity: max(numItems * keep, 1))
        let slotCounts = UnsafeMutablePointer<Int>.allocate(capacity: max(numItems, 1))
        defer { slotItems.deallocate(); slotSims.deallocate(); slotCounts.deallocate() }
        let perTask = itemsPerTask
        let tasks = (numItems + perTask - 1) / perTask
        pool.parallelFor(tasks) { t in
            let row = UnsafeMutablePointer<Float>.allocate(capacity: max(numItems, 1))
            row.initialize(repeating: 0, count: max(numItems, 1))
            let picked = UnsafeMutablePointer<Int32>.allocate(capacity: max(keep, 1))
            let pickedSims = UnsafeMutablePointer<Float>.allocate(capacity: max(keep, 1))
            defer { row.deallocate(); picked.deallocate(); pickedSims.deallocate() }
            var touched: [Int32] = []
            let selector = TopKSelector(k: keep)
            for j in (t * perTask)..<min(numItems, (t + 1) * perTask) {
                // Co-occurrence counts |U_i ∩ U_j| for every item i sharing a user with j.
                touched.removeAll(keepingCapacity: true)
                for e in byItem.offsets[j]..<byItem.offsets[j + 1] {
                    for i in train.items(of: Int(byItem.indices[e])) {
                        if row[Int(i)] == 0 { touched.append(i) }
                        row[Int(i)] += 1
                    }
                }
                for i in touched { row[Int(i)] = Float(Double(row[Int(i)]) / (norms[Int(i)] * norms[j] + shrink)) }
                var n = 0
                if !touched.isEmpty && keep > 0 {
                    let own = [Int32(j)]
                    n = own.withUnsafeBufferPointer { selector.select(row, count: numItems, excluding: $0, indices: picked, scores: pickedSims) }
                }
                var kept = 0
                while kept < n && pickedSims[kept] > 0 {
                    slotItems[j * keep + kept] = picked[kept]
                    slotSims[j * keep + kept] = pickedSims[kept]
                    kept += 1
                }
                slotCounts[j] = kept
                for i in touched { row[Int(i)] = 0 }
            }
        }
        // Compact the slots into N(j) by target item, then transpose into W by source item.
        var offsets = [Int](repeating: 0, count: numItems + 1)
        for j in 0..<numItems { offsets[j + 1] = offsets[j] + slotCounts[j] }
        var items = [Int32](), sims = [Float]()
        items.reserveCapacity(offsets[numItems])
        sims.reserveCapacity(offsets[numItems])
        for j in 0..<numItems {
            items.append(contentsOf: UnsafeBufferPointer(start: slotItems + j * keep, count: slotCounts[j]))
            sims.append(contentsOf: UnsafeBufferPointer(start: slotSims + j * keep, count: slotCounts[j]))
        }
        // Scoring walks from a history item to the items it is a neighbour of: the transpose.
        let t = CSRTranspose.transpose(rows: numItems, cols: numItems, offsets: offsets, indices: items, values: sims)
        neighborOffsets = offsets
        neighborItems = items
        neighborSimilarities = sims
        rowOffsets = t.offsets
        rowTargets = t.indices
        rowWeights = t.values
    }

    public func score(history: ArraySlice<Int32>, into scores: UnsafeMutableBufferPointer<Float>) {
        precondition(scores.count == numItems, "ItemKNN: \(scores.count) scores for \(numItems) items (fitted?)")
        for i in history {
            for e in rowOffsets[Int(i)]..<rowOffsets[Int(i) + 1] { scores[Int(rowTargets[e])] += rowWeights[e] }
        }
    }

    public var settings: [String: String] { ["neighbors": String(neighbors), "shrink": String(shrink)] }
}
