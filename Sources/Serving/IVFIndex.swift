import NumCore

/// An inverted-file index: the items are partitioned into lists, each with a centroid, and
/// a query scans only the `nprobe` lists whose centroids have the highest inner product with
/// it.
///
/// The item vectors are copied in list order, so a list is one contiguous block that the
/// fused GEMV + top-K scan of ``ExactIndex`` reads straight through. The lists come from the
/// MSAC primary codes or from a fresh k-means (``IVFBuilder``); the centroid of a list is the
/// L2-normalised mean of its members' vectors, so it lives in the query space whatever
/// produced the partition.
public final class IVFIndex: RetrievalIndex, @unchecked Sendable {
    /// Centroids, one row per list (`lists x d`).
    public let centroids: Matrix
    /// `listItems[listOffsets[l] ..< listOffsets[l + 1]]` are the items of list `l`.
    public let listOffsets: [Int]
    /// Item indices in list order.
    public let listItems: [Int32]
    /// Item vectors in list order (row `p` is item `listItems[p]`).
    let vectors: Matrix
    /// Position of each item in list order (inverse of `listItems`).
    let position: [Int32]
    /// Lists probed when a search does not say.
    public var defaultProbes: Int

    /// Builds the index from a list assignment of every row of `items` (`assignments[i]` in
    /// `0..<lists`).
    public init(items: Matrix, assignments: [Int32], lists: Int, defaultProbes: Int = 8) {
        precondition(assignments.count == items.rows, "\(assignments.count) assignments for \(items.rows) items")
        precondition(lists > 0 && assignments.allSatisfy { $0 >= 0 && Int($0) < lists }, "list id out of 0..<\(lists)")
        let n = items.rows, d = items.cols
        let (offsets, order) = CountingSort.group(assignments, buckets: lists)
        var pos = [Int32](repeating: 0, count: n)
        for (p, i) in order.enumerated() { pos[Int(i)] = Int32(p) }
        let vectors = Matrix(uninitializedRows: n, cols: d)
        for p in 0..<n { vectors.row(p).update(from: items.row(Int(order[p])), count: d) }
        let centroids = Matrix(rows: lists, cols: d)
        for l in 0..<lists where offsets[l + 1] > offsets[l] {
            let c = centroids.row(l)
            for p in offsets[l]..<offsets[l + 1] { VectorMath.axpy(1, vectors.row(p), c, d) }
            let norm = VectorMath.dot(c, c, d).squareRoot()
            if norm > 0 { VectorMath.scale(c, d, by: 1 / norm) }
        }
        self.centroids = centroids
        self.listOffsets = offsets
        self.listItems = order
        self.vectors = vectors
        self.position = pos
        self.defaultProbes = max(1, min(defaultProbes, lists))
    }

    public var count: Int { vectors.rows }
    public var dimension: Int { vectors.cols }
    /// Number of lists.
    public var lists: Int { centroids.rows }

    /// The list of every item (`assignments` as given at construction).
    public var assignments: [Int32] {
        var a = [Int32](repeating: 0, count: count)
        for l in 0..<lists { for p in listOffsets[l]..<listOffsets[l + 1] { a[Int(listItems[p])] = Int32(l) } }
        return a
    }

    public func search(_ query: UnsafeBufferPointer<Float>, k: Int, excluding: UnsafeBufferPointer<Int32>) -> [Neighbor] {
        search(query, k: k, nprobe: defaultProbes, excluding: excluding)
    }

    /// The best `k` items among the `nprobe` lists nearest to `query`, best first, skipping
    /// the item indices in `excluding` (any order).
    public func search(_ query: UnsafeBufferPointer<Float>, k: Int, nprobe: Int, excluding: UnsafeBufferPointer<Int32>) -> [Neighbor] {
        precondition(query.count == dimension, "query has \(query.count) values, the index \(dimension)")
        let listScores = UnsafeMutablePointer<Float>.allocate(capacity: lists)
        defer { listScores.deallocate() }
        ScoreKernel.scores(query: query.baseAddress!, rows: centroids.data, count: lists, dim: dimension, out: listScores)
        return scan(query: query.baseAddress!, listScores: listScores, k: k, nprobe: nprobe, excluding: excluding)
    }

    /// Picks the `nprobe` best lists by `listScores` and scans them with the fused GEMV + top-K.
    private func scan(query q: UnsafePointer<Float>, listScores: UnsafePointer<Float>, k: Int, nprobe: Int,
                      excluding: UnsafeBufferPointer<Int32>) -> [Neighbor] {
        let k = min(k, count), probes = max(1, min(nprobe, lists))
        if k <= 0 { return [] }
        let probeIDs = UnsafeMutablePointer<Int32>.allocate(capacity: probes)
        let probeScores = UnsafeMutablePointer<Float>.allocate(capacity: probes)
        defer { probeIDs.deallocate(); probeScores.deallocate() }
        let probed = TopKSelector(k: probes).select(listScores, count: lists, excluding: UnsafeBufferPointer(start: nil, count: 0),
                                                    indices: probeIDs, scores: probeScores)
        let keys = UnsafeMutablePointer<UInt64>.allocate(capacity: TopKAccumulator.bufferCapacity(k: k))
        let chunk = UnsafeMutablePointer<Float>.allocate(capacity: ExactIndex.chunkRows)
        let outIndex = UnsafeMutablePointer<Int32>.allocate(capacity: k)
        let outScore = UnsafeMutablePointer<Float>.allocate(capacity: k)
        defer { keys.deallocate(); chunk.deallocate(); outIndex.deallocate(); outScore.deallocate() }
        var acc = TopKAccumulator(k: k, buffer: keys)
        let none = UnsafeBufferPointer<Int32>(start: nil, count: 0)
        let d = dimension
        for j in 0..<probed {
            let l = Int(probeIDs[j])
            var start = listOffsets[l]
            let end = listOffsets[l + 1]
            while start < end {
                let rows = min(ExactIndex.chunkRows, end - start)
                ScoreKernel.scores(query: q, rows: vectors.data + start * d, count: rows, dim: d, out: chunk)
                // Excluded items score NaN, which the accumulator skips.
                for e in excluding where e >= 0 && Int(e) < count {
                    let p = Int(position[Int(e)])
                    if p >= start && p < start + rows { chunk[p - start] = .nan }
                }
                acc.offer(chunk, firstIndex: start, count: rows, excluding: none)
                start += rows
            }
        }
        let n = acc.finish(indices: outIndex, scores: outScore)
        return (0..<n).map { Neighbor(item: listItems[Int(outIndex[$0])], score: outScore[$0]) }
    }
}
