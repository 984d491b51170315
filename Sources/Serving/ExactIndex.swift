import NumCore

/// Exact inner-product search over every item vector.
///
/// One query is a GEMV-like pass (``ScoreKernel``) over the `n x d` item matrix, fused with
/// a top-K scan (``TopKAccumulator``) in chunks of a few hundred rows so that the scores never
/// leave L1. The rows are split in contiguous halves over the shared ``WorkerPool`` when it
/// is free (a request that arrives while another one holds the pool runs on its own thread),
/// and the per-part selections are merged. A batch of queries goes through `sgemm` instead
/// (``searchBatch(_:k:excluding:)``), which is how `esans index eval` measures throughput.
public final class ExactIndex: RetrievalIndex, @unchecked Sendable {
    /// The item vectors, one row per item (not copied; must not change while the index lives).
    public let items: Matrix
    /// Rows scored per chunk of the fused scan.
    static let chunkRows = 512
    /// Rows below which a single query is not split over threads.
    static let parallelThreshold = 16_384

    /// An index over the rows of `items`.
    public init(items: Matrix) {
        self.items = items
    }

    public var count: Int { items.rows }
    public var dimension: Int { items.cols }

    public func search(_ query: UnsafeBufferPointer<Float>, k: Int, excluding: UnsafeBufferPointer<Int32>) -> [Neighbor] {
        precondition(query.count == dimension, "query has \(query.count) values, the index \(dimension)")
        let k = min(k, count)
        if k <= 0 { return [] }
        let pool = WorkerPool.shared
        let parts = count >= Self.parallelThreshold ? min(pool.threadCount, 4) : 1
        if parts == 1 {
            return Self.scan(query.baseAddress!, items: items, range: 0..<count, k: k, excluding: excluding)
        }
        // Each part writes its own slot; the pool runs a part inline when it is busy.
        let partials = UnsafeMutablePointer<[Neighbor]>.allocate(capacity: parts)
        partials.initialize(repeating: [], count: parts)
        defer { partials.deinitialize(count: parts); partials.deallocate() }
        let q = query.baseAddress!, n = count, m = items
        pool.parallelFor(parts) { p in
            let lo = n * p / parts, hi = n * (p + 1) / parts
            partials[p] = Self.scan(q, items: m, range: lo..<hi, k: k, excluding: excluding)
        }
        return Self.merge(UnsafeBufferPointer(start: partials, count: parts), k: k)
    }

    /// The best `k` of rows `range` of `items` for `query`, best first.
    static func scan(_ query: UnsafePointer<Float>, items: Matrix, range: Range<Int>, k: Int,
                     excluding: UnsafeBufferPointer<Int32>) -> [Neighbor] {
        let keyCount = TopKAccumulator.bufferCapacity(k: k)
        let keys = UnsafeMutablePointer<UInt64>.allocate(capacity: keyCount)
        let chunk = UnsafeMutablePointer<Float>.allocate(capacity: chunkRows)
        let outIndex = UnsafeMutablePointer<Int32>.allocate(capacity: k)
        let outScore = UnsafeMutablePointer<Float>.allocate(capacity: k)
        defer { keys.deallocate(); chunk.deallocate(); outIndex.deallocate(); outScore.deallocate() }
        var acc = TopKAccumulator(k: k, buffer: keys)
        let d = items.cols
        var start = range.lowerBound
        while start < range.upperBound {
            let rows = min(chunkRows, range.upperBound - start)
            ScoreKernel.scores(query: query, rows: items.data + start * d, count: rows, dim: d, out: chunk)
            acc.offer(chunk, firstIndex: start, count: rows, excluding: excluding)
            start += rows
        }
        let n = acc.finish(indices: outIndex, scores: outScore)
        return (0..<n).map { Neighbor(item: outIndex[$0], score: outScore[$0]) }
    }

    /// Merges per-part selections (each best first) into the best `k` overall, in the order
    /// of ``TopKSelector``: higher score first, lower index first among equal scores.
    static func merge(_ parts: UnsafeBufferPointer<[Neighbor]>, k: Int) -> [Neighbor] {
        var all: [Neighbor] = []
        all.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        for p in parts { all.append(contentsOf: p) }
        all.sort { $0.score != $1.score ? $0.score > $1.score : $0.item < $1.item }
        if all.count > k { all.removeLast(all.count - k) }
        return all
    }

    /// The best `k` items for every row of `queries` (`b x d`), as a `b x k` array of item
    /// indices (row-major; `-1` where fewer than `k` items are allowed). Scores come from
    /// `sgemm` over blocks of queries, then one top-K selection per query in parallel.
    /// `excluding(i)` gives query i's sorted exclusions (nil: none).
    public func searchBatch(_ queries: Matrix, k: Int, excluding: ((Int) -> [Int32])? = nil) -> [Int32] {
        searchBatchScored(queries, k: k, excluding: excluding).items
    }

    /// ``searchBatch(_:k:excluding:)`` with the scores: two `b x k` arrays, row-major, the
    /// items and their inner products with the query (`-1` and NaN past a short row's end).
    public func searchBatchScored(_ queries: Matrix, k: Int, excluding: ((Int) -> [Int32])? = nil) -> (items: [Int32], scores: [Float]) {
        precondition(queries.cols == dimension, "queries have \(queries.cols) columns, the index \(dimension)")
        let b = queries.rows, n = count, k = min(k, n)
        var result = [Int32](repeating: -1, count: b * k)
        var resultScores = [Float](repeating: .nan, count: b * k)
        if b == 0 || k == 0 { return (result, resultScores) }
        let block = 64
        let scores = Matrix(uninitializedRows: min(block, b), cols: n)
        result.withUnsafeMutableBufferPointer { out in
            resultScores.withUnsafeMutableBufferPointer { outScores in
                let outBase = out.baseAddress!, scoreBase = outScores.baseAddress!
                var q0 = 0
                while q0 < b {
                    let rows = min(block, b - q0)
                    sgemm(transA: false, transB: true, m: rows, n: n, k: dimension, a: queries.row(q0), lda: dimension,
                          b: items.data, ldb: dimension, c: scores.data, ldc: n)
                    let first = q0
                    WorkerPool.shared.parallelFor(rows) { r in
                        let ex = excluding?(first + r) ?? []
                        ex.withUnsafeBufferPointer { e in
                            let row = (first + r) * k
                            let got = TopKSelector(k: k).select(scores.row(r), count: n, excluding: e,
                                                                indices: outBase + row, scores: scoreBase + row)
                            for j in got..<k { outBase[row + j] = -1; scoreBase[row + j] = .nan }
                        }
                    }
                    q0 += rows
                }
            }
        }
        return (result, resultScores)
    }
}
