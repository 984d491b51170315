import Foundation
import NumCore

/// The outcome of ``KMeans/fit(_:pool:)``.
public struct KMeansResult: @unchecked Sendable {
    /// `k x d` centroids: the mean of the points assigned to each cluster.
    public let centroids: Matrix
    /// Cluster of every point (`0..<k`).
    public let assignments: [Int32]
    /// Sum over points of the squared distance to the centroid of their cluster (as returned).
    public let objective: Double
    /// Number of Lloyd iterations (assignment + update steps) run.
    public let iterations: Int
    /// Number of points in each cluster.
    public let clusterSizes: [Int]
    /// Objective measured at each iteration's assignment step (before its update), then the
    /// final ``objective``; it never increases, up to rounding.
    public let objectiveHistory: [Double]
}

/// Lloyd's k-means with k-means++ seeding.
///
/// - Seeding: k-means++ (D² sampling): the first centre is a uniformly random point, each
///   next one a point drawn with probability proportional to its squared distance to the
///   nearest centre chosen so far. The distance array is kept up to date with one pass per new
///   centre (parallel over fixed chunks of rows; the chunk sums used for sampling are added in
///   chunk order, so the draw does not depend on the thread count).
/// - Iterations: assignment by GEMM (`||x||² - 2 x·c + ||c||²`, see `NearestCentroid`), then
///   centroid update as the mean of each cluster, summed per cluster in point order.
/// - Empty clusters: after an assignment step, each empty cluster is re-seeded with the point
///   farthest from its (current) centroid, taken from a cluster that keeps at least one point;
///   the next farthest such point re-seeds the next empty cluster, and so on. This never
///   increases the objective, and when `n >= k` the returned assignment has no empty cluster.
///   With `n < k`, `k - n` clusters stay empty (their centroids are copies of data points).
/// - Stopping: after `maxIterations`, or when the objective drops by less than
///   `tolerance` times its previous value.
/// - Determinism: the same data, configuration and seed give the same result on any number of
///   threads.
public struct KMeans: Sendable {
    /// Number of clusters.
    public var k: Int
    /// Upper bound on Lloyd iterations.
    public var maxIterations: Int
    /// Independent runs (seeds derived from `seed`); the one with the lowest objective wins.
    public var restarts: Int
    /// Stop when `(previous - current) / previous` objective falls below this.
    public var tolerance: Double
    /// Seed of the k-means++ draws.
    public var seed: UInt64

    /// A k-means configuration; see the type's documentation for the algorithm.
    public init(k: Int, maxIterations: Int = 20, restarts: Int = 1, tolerance: Double = 1e-4, seed: UInt64 = 1) {
        self.k = k
        self.maxIterations = maxIterations
        self.restarts = restarts
        self.tolerance = tolerance
        self.seed = seed
    }

    /// Clusters the rows of `x` (`n x d`, `n >= 1`) into `k` clusters. `progress` is told the
    /// Lloyd iterations done of `restarts x maxIterations`: `(0, total)`, then after each
    /// iteration, growing to `(total, total)` (a run that stops early counts its unused
    /// iterations as done when it ends).
    public func fit(_ x: Matrix, pool: WorkerPool = .shared, progress: ((_ done: Int, _ total: Int) -> Void)? = nil) -> KMeansResult {
        precondition(k >= 1, "k must be at least 1")
        precondition(x.rows >= 1, "k-means needs at least one point")
        precondition(maxIterations >= 1, "maxIterations must be at least 1")
        let base = RandomSource(seed: seed)
        let xNorms = NearestCentroid.rowSquaredNorms(x, pool: pool)
        var best: KMeansResult?
        let runs = max(1, restarts), total = runs * maxIterations
        progress?(0, total)
        for r in 0..<runs {
            var rng = base.derived(UInt64(r))
            let result = lloyd(x, xNorms: xNorms, initial: KMeans.plusPlusSeeds(x, k: k, rng: &rng, pool: pool), pool: pool,
                               iterated: progress.map { report in { report(r * maxIterations + $0, total) } })
            progress?((r + 1) * maxIterations, total)
            if best == nil || result.objective < best!.objective { best = result }
        }
        return best!
    }

    /// Nearest centroid of every row of `x` (ties: the lowest index) and the squared distance
    /// to it. Used by the Lloyd iterations and for items that were not clustered.
    public static func assign(_ x: Matrix, centroids: Matrix, pool: WorkerPool? = .shared) -> (assignments: [Int32], distances: [Float]) {
        let n = x.rows
        var assignments = [Int32](repeating: 0, count: n)
        var distances = [Float](repeating: 0, count: n)
        let norms = NearestCentroid.rowSquaredNorms(x, pool: pool)
        norms.withUnsafeBufferPointer { xn in
            assignments.withUnsafeMutableBufferPointer { a in
                distances.withUnsafeMutableBufferPointer { dist in
                    _ = NearestCentroid.assign(x, xNorms: xn.baseAddress!, centroids: centroids,
                                               assignments: a.baseAddress!, distances: dist.baseAddress!, pool: pool)
                }
            }
        }
        return (assignments, distances)
    }

    /// k-means++ seeding: `k` rows of `x` chosen by D² sampling (see the type's documentation).
    /// When all remaining points coincide with chosen centres, further centres are drawn
    /// uniformly. Returns a `k x d` matrix.
    ///
    /// A point's distance to a new centre c is computed only when it can be smaller than its
    /// current minimum m, i.e. unless `||c - c_near||² >= 4 m` for its nearest centre c_near
    /// (triangle inequality); the result is exactly that of the full computation.
    public static func plusPlusSeeds(_ x: Matrix, k: Int, rng: inout RandomSource, pool: WorkerPool? = .shared) -> Matrix {
        let n = x.rows, d = x.cols
        let centres = Matrix(uninitializedRows: k, cols: d)
        let chunk = 2048
        let chunks = (n + chunk - 1) / chunk
        let minDist = UnsafeMutablePointer<Float>.allocate(capacity: n)
        let nearest = UnsafeMutablePointer<Int32>.allocate(capacity: n)
        let chunkSum = UnsafeMutablePointer<Double>.allocate(capacity: chunks)
        let centreDist = UnsafeMutablePointer<Float>.allocate(capacity: k)
        defer { minDist.deallocate(); nearest.deallocate(); chunkSum.deallocate(); centreDist.deallocate() }
        minDist.initialize(repeating: .infinity, count: n)
        nearest.initialize(repeating: 0, count: n)
        var next = rng.below(n)
        for c in 0..<k {
            centres.row(c).update(from: x.row(next), count: d)
            if c == k - 1 { break }
            let centre = UnsafePointer(centres.row(c))
            for j in 0..<c { centreDist[j] = squaredDistance(centres.row(j), centre, d) }
            let tag = Int32(c)
            let body: (Int) -> Void = { b in
                let lo = b * chunk, hi = min(n, (b + 1) * chunk)
                for i in lo..<hi {
                    let m = minDist[i]
                    if c == 0 || centreDist[Int(nearest[i])] < 4 * m {
                        let dist = squaredDistance(x.row(i), centre, d)
                        if dist < m { minDist[i] = dist; nearest[i] = tag }
                    }
                }
                // Eight float lanes over at most 2048 values, then one double.
                var acc = SIMD8<Float>()
                var i = lo
                while i + 8 <= hi { acc += UnsafeRawPointer(minDist + i).loadUnaligned(as: SIMD8<Float>.self); i += 8 }
                var s = Double(acc.sum())
                while i < hi { s += Double(minDist[i]); i += 1 }
                chunkSum[b] = s
            }
            if let pool, chunks > 1 { pool.parallelFor(chunks, body) } else { for b in 0..<chunks { body(b) } }
            var total = 0.0
            for b in 0..<chunks { total += chunkSum[b] }
            if !(total > 0) { next = rng.below(n); continue }
            var target = rng.unitDouble() * total
            var b = 0
            while b < chunks - 1 && target >= chunkSum[b] { target -= chunkSum[b]; b += 1 }
            let end = min(n, (b + 1) * chunk)
            next = end - 1
            var i = b * chunk
            while i < end {
                target -= Double(minDist[i])
                if target < 0 && minDist[i] > 0 { next = i; break }
                i += 1
            }
            // Rounding can leave `target` just above zero at the chunk's end: take its last
            // point with a non-zero weight.
            if i == end { while next > b * chunk && minDist[next] == 0 { next -= 1 } }
        }
        return centres
    }

    /// Clusters the rows of `x` warm-started from an earlier partition: the initial centroids
    /// are the means of `x` over each cluster of `assignments` (a cluster without points starts
    /// at the row of `fallback`, when given with `x`'s width, else at zero, and is re-seeded by
    /// the empty-cluster rule). No random draw: the result is a function of the inputs.
    /// `restarts` and `seed` are not used.
    public func fit(_ x: Matrix, startingFrom assignments: [Int32], fallback: Matrix? = nil, pool: WorkerPool = .shared) -> KMeansResult {
        precondition(assignments.count == x.rows, "\(assignments.count) assignments for \(x.rows) points")
        precondition(assignments.allSatisfy { $0 >= 0 && Int($0) < k }, "assignment out of 0..<\(k)")
        let start = fallback.flatMap { $0.rows == k && $0.cols == x.cols ? $0 : nil } ?? Matrix(rows: k, cols: x.cols)
        let (initial, _) = KMeans.clusterMeans(x, assignments: assignments, k: k, previous: start, pool: pool)
        return lloyd(x, xNorms: NearestCentroid.rowSquaredNorms(x, pool: pool), initial: initial, pool: pool)
    }

    /// One run of Lloyd iterations from `initial` centroids.
    private func lloyd(_ x: Matrix, xNorms: [Float], initial: Matrix, pool: WorkerPool, iterated: ((Int) -> Void)? = nil) -> KMeansResult {
        let n = x.rows
        var centroids = initial
        var assignments = [Int32](repeating: 0, count: n)
        var distances = [Float](repeating: 0, count: n)
        var history: [Double] = []
        var sizes = [Int](repeating: 0, count: k)
        var iterations = 0
        for _ in 0..<maxIterations {
            let objective = xNorms.withUnsafeBufferPointer { xn in
                assignments.withUnsafeMutableBufferPointer { a in
                    distances.withUnsafeMutableBufferPointer { dist in
                        NearestCentroid.assign(x, xNorms: xn.baseAddress!, centroids: centroids,
                                               assignments: a.baseAddress!, distances: dist.baseAddress!, pool: pool)
                    }
                }
            }
            iterations += 1
            history.append(objective)
            KMeans.repairEmptyClusters(assignments: &assignments, distances: distances, k: k)
            (centroids, sizes) = KMeans.clusterMeans(x, assignments: assignments, k: k, previous: centroids, pool: pool)
            if iterations < maxIterations { iterated?(iterations) }
            if history.count >= 2 {
                let previous = history[history.count - 2]
                if previous <= 0 || (previous - objective) < tolerance * previous { break }
            }
        }
        let final = KMeans.objective(x, assignments: assignments, centroids: centroids, pool: pool)
        history.append(final)
        return KMeansResult(centroids: centroids, assignments: assignments, objective: final,
                            iterations: iterations, clusterSizes: sizes, objectiveHistory: history)
    }

    /// Moves the points farthest from their centroids into the empty clusters (one point per
    /// empty cluster, never emptying the donor cluster).
    static func repairEmptyClusters(assignments: inout [Int32], distances: [Float], k: Int) {
        var sizes = [Int](repeating: 0, count: k)
        for a in assignments { sizes[Int(a)] += 1 }
        let empty = (0..<k).filter { sizes[$0] == 0 }
        if empty.isEmpty { return }
        let order = assignments.indices.sorted { distances[$0] > distances[$1] || (distances[$0] == distances[$1] && $0 < $1) }
        var e = 0
        for i in order where e < empty.count {
            let donor = Int(assignments[i])
            if sizes[donor] <= 1 { continue }
            sizes[donor] -= 1
            assignments[i] = Int32(empty[e])
            sizes[empty[e]] = 1
            e += 1
        }
    }

    /// Mean of each cluster (rows summed in point order: float partial sums over runs of 256
    /// points, added in `Double`). A cluster without points keeps its `previous` centroid.
    static func clusterMeans(_ x: Matrix, assignments: [Int32], k: Int, previous: Matrix, pool: WorkerPool?) -> (Matrix, [Int]) {
        let n = x.rows, d = x.cols
        // Counting sort of the points by cluster, stable in point index.
        var sizes = [Int](repeating: 0, count: k)
        for a in assignments { sizes[Int(a)] += 1 }
        var start = [Int](repeating: 0, count: k + 1)
        for j in 0..<k { start[j + 1] = start[j] + sizes[j] }
        var order = [Int32](repeating: 0, count: n)
        var fill = start
        for i in 0..<n { let a = Int(assignments[i]); order[fill[a]] = Int32(i); fill[a] += 1 }
        let out = Matrix(uninitializedRows: k, cols: d)
        order.withUnsafeBufferPointer { ob in
            start.withUnsafeBufferPointer { sb in
                let ord = ob.baseAddress!, st = sb.baseAddress!
                let body: (Range<Int>) -> Void = { range in
                    let partial = UnsafeMutablePointer<Float>.allocate(capacity: d)
                    let total = UnsafeMutablePointer<Double>.allocate(capacity: d)
                    defer { partial.deallocate(); total.deallocate() }
                    for j in range {
                        let dst = out.row(j)
                        let count = st[j + 1] - st[j]
                        if count == 0 { dst.update(from: previous.row(j), count: d); continue }
                        total.initialize(repeating: 0, count: d)
                        var p = st[j]
                        while p < st[j + 1] {
                            let end = min(st[j + 1], p + 256)
                            partial.initialize(repeating: 0, count: d)
                            while p < end { VectorMath.axpy(1, x.row(Int(ord[p])), partial, d); p += 1 }
                            for c in 0..<d { total[c] += Double(partial[c]) }
                        }
                        let inv = 1.0 / Double(count)
                        for c in 0..<d { dst[c] = Float(total[c] * inv) }
                    }
                }
                if let pool { pool.parallelRanges(k, chunksPerThread: 8, body) } else { body(0..<k) }
            }
        }
        return (out, sizes)
    }

    /// Sum of squared distances of the points to the centroids of their assigned clusters,
    /// accumulated per fixed chunk of 4096 rows and added in chunk order.
    public static func objective(_ x: Matrix, assignments: [Int32], centroids: Matrix, pool: WorkerPool? = .shared) -> Double {
        let n = x.rows, d = x.cols
        let chunk = 4096
        let chunks = (n + chunk - 1) / chunk
        var sums = [Double](repeating: 0, count: chunks)
        assignments.withUnsafeBufferPointer { ab in
            sums.withUnsafeMutableBufferPointer { sb in
                let a = ab.baseAddress!, s = sb.baseAddress!
                let body: (Int) -> Void = { b in
                    var acc = 0.0
                    for i in (b * chunk)..<min(n, (b + 1) * chunk) {
                        acc += Double(squaredDistance(x.row(i), centroids.row(Int(a[i])), d))
                    }
                    s[b] = acc
                }
                if let pool, chunks > 1 { pool.parallelFor(chunks, body) } else { for b in 0..<chunks { body(b) } }
            }
        }
        return sums.reduce(0, +)
    }

    /// Times k-means on the rows of a `.npy` matrix (for `esans bench kmeans --input file.npy`)
    /// and returns a text report: k-means++ seeding time, then per run the wall time of a full
    /// `fit` (seeding included) and its objective; the best run time and the objective of the
    /// nearest-centroid assignment under the final centroids end the report.
    public static func benchmark(input: URL, k: Int = 256, iterations: Int = 20, runs: Int = 3,
                                 seed: UInt64 = 1, pool: WorkerPool = .shared) throws -> String {
        let x = try NPY.readMatrix(from: input)
        var lines = ["kmeans: \(x.rows) x \(x.cols), k = \(k), \(iterations) iterations, \(pool.threadCount) threads"]
        var rng = RandomSource(seed: seed).derived(0)
        let t0 = DispatchTime.now().uptimeNanoseconds
        _ = plusPlusSeeds(x, k: k, rng: &rng, pool: pool)
        let seeding = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
        lines.append(String(format: "k-means++ seeding: %.4f s", seeding))
        let config = KMeans(k: k, maxIterations: iterations, tolerance: 0, seed: seed)
        var bestTime = Double.infinity
        var last: KMeansResult?
        for r in 0..<max(1, runs) {
            let start = DispatchTime.now().uptimeNanoseconds
            let result = config.fit(x, pool: pool)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            bestTime = min(bestTime, seconds)
            lines.append(String(format: "run %d: %.4f s, objective %.6f, iterations %d, non-empty %d/%d", r, seconds,
                                result.objective, result.iterations, result.clusterSizes.filter { $0 > 0 }.count, k))
            last = result
        }
        let nearest = assign(x, centroids: last!.centroids, pool: pool).distances.reduce(0.0) { $0 + Double($1) }
        lines.append(String(format: "best: %.4f s; objective (nearest assignment to final centroids) %.6f", bestTime, nearest))
        return lines.joined(separator: "\n")
    }

    /// `||a - b||^2` over `d` floats.
    @inline(__always)
    public static func squaredDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ d: Int) -> Float {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= d {
            let ra = UnsafeRawPointer(a + i), rb = UnsafeRawPointer(b + i)
            let d0 = ra.loadUnaligned(as: SIMD8<Float>.self) - rb.loadUnaligned(as: SIMD8<Float>.self)
            let d1 = ra.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self) - rb.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
            acc0 = acc0.addingProduct(d0, d0)
            acc1 = acc1.addingProduct(d1, d1)
            i += 16
        }
        var s = horizontalSum(acc0 + acc1)
        while i < d { let t = a[i] - b[i]; s += t * t; i += 1 }
        return s
    }

    /// Sum of the lanes by halving; `SIMD.sum()` is not inlined and costs more than the
    /// 64-float distance around it.
    @inline(__always)
    static func horizontalSum(_ v: SIMD8<Float>) -> Float {
        let h = v.lowHalf + v.highHalf
        let q = h.lowHalf + h.highHalf
        return q.x + q.y
    }
}
