import NumCore

extension IVFIndex {
    /// The best `k` items for every row of `queries` (`b x d`) with `nprobe` lists, as a
    /// `b x k` row-major array of item indices (`-1` padding); `excluding(i)` gives query i's
    /// exclusions (any order).
    ///
    /// The batch is scanned list by list, as faiss does for large batches: the centroid scores
    /// of all queries come from one `sgemm`; then, for each block of queries (one block per
    /// task on the shared pool), every list is multiplied once with the block's queries that
    /// probe it (a small `sgemm`, `m x n_list x d`), and each query's row of scores feeds its
    /// own top-K accumulator. The answer equals ``search(_:k:nprobe:excluding:)`` per query
    /// up to the order of equal scores.
    public func searchBatch(_ queries: Matrix, k: Int, nprobe: Int, excluding: ((Int) -> [Int32])? = nil,
                            blockSize: Int = 640) -> [Int32] {
        precondition(queries.cols == dimension, "queries have \(queries.cols) columns, the index \(dimension)")
        let b = queries.rows, k = min(k, count)
        var result = [Int32](repeating: -1, count: b * k)
        if b == 0 || k == 0 { return result }
        let probes = max(1, min(nprobe, lists))
        let listScores = Matrix.product(queries, centroids, transposeB: true)
        let blocks = (b + blockSize - 1) / blockSize
        result.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            WorkerPool.shared.parallelFor(blocks) { blk in
                let lo = blk * blockSize, hi = min(b, lo + blockSize)
                self.scanBlock(queries: queries, listScores: listScores, range: lo..<hi, k: k, probes: probes,
                               excluding: excluding, out: base)
            }
        }
        return result
    }

    /// Scans queries `range` list by list and writes their rows of `out`.
    private func scanBlock(queries: Matrix, listScores: Matrix, range: Range<Int>, k: Int, probes: Int,
                           excluding: ((Int) -> [Int32])?, out: UnsafeMutablePointer<Int32>) {
        let m = range.count, d = dimension
        // 1. Each query's probed lists, inverted into each list's queries (CSR by list).
        var probed = [Int32](repeating: 0, count: m * probes)
        var probeScores = [Float](repeating: 0, count: probes)
        let none = UnsafeBufferPointer<Int32>(start: nil, count: 0)
        probed.withUnsafeMutableBufferPointer { pp in
            probeScores.withUnsafeMutableBufferPointer { ps in
                for j in 0..<m {
                    let got = TopKSelector(k: probes).select(listScores.row(range.lowerBound + j), count: lists, excluding: none,
                                                             indices: pp.baseAddress! + j * probes, scores: ps.baseAddress!)
                    for t in got..<probes { pp[j * probes + t] = -1 }
                }
            }
        }
        // Unfilled probe slots are -1, which the counting sort skips.
        let listCount = CountingSort.offsets(of: probed, buckets: lists)
        var byList = [Int32](repeating: 0, count: listCount[lists])
        byList.withUnsafeMutableBufferPointer { bl in CountingSort.scatter(probed, offsets: listCount) { k, slot in bl[slot] = Int32(k / probes) } }
        // Excluded items of each query, as positions in list order.
        let excludedPositions: [[Int32]] = (0..<m).map { j in
            (excluding?(range.lowerBound + j) ?? []).compactMap { e in e >= 0 && Int(e) < count ? position[Int(e)] : nil }
        }
        // 2. One accumulator per query.
        let capacity = TopKAccumulator.bufferCapacity(k: k)
        let keys = UnsafeMutablePointer<UInt64>.allocate(capacity: m * capacity)
        let accs = UnsafeMutablePointer<TopKAccumulator>.allocate(capacity: m)
        for j in 0..<m { (accs + j).initialize(to: TopKAccumulator(k: k, buffer: keys + j * capacity)) }
        let maxList = (0..<lists).map { listOffsets[$0 + 1] - listOffsets[$0] }.max() ?? 0
        let gathered = UnsafeMutablePointer<Float>.allocate(capacity: m * d)
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: max(1, m * maxList))
        defer {
            accs.deinitialize(count: m); accs.deallocate(); keys.deallocate(); gathered.deallocate(); scores.deallocate()
        }
        // 3. List by list: scores of its queries against its vectors, into their accumulators.
        for l in 0..<lists {
            let qs = byList[listCount[l]..<listCount[l + 1]]
            let start = listOffsets[l], n = listOffsets[l + 1] - start
            if qs.isEmpty || n == 0 { continue }
            for (r, j) in qs.enumerated() { (gathered + r * d).update(from: queries.row(range.lowerBound + Int(j)), count: d) }
            sgemm(transA: false, transB: true, m: qs.count, n: n, k: d, a: gathered, lda: d,
                  b: vectors.data + start * d, ldb: d, c: scores, ldc: n, pool: nil)
            for (r, j) in qs.enumerated() {
                let row = scores + r * n
                for p in excludedPositions[Int(j)] where Int(p) >= start && Int(p) < start + n { row[Int(p) - start] = .nan }
                accs[Int(j)].offer(row, firstIndex: start, count: n, excluding: none)
            }
        }
        // 4. Results as item indices.
        let idx = UnsafeMutablePointer<Int32>.allocate(capacity: k)
        defer { idx.deallocate() }
        for j in 0..<m {
            let got = accs[j].finish(indices: idx, scores: nil)
            let row = out + (range.lowerBound + j) * k
            for t in 0..<got { row[t] = listItems[Int(idx[t])] }
        }
    }
}
