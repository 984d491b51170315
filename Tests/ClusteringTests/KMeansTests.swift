import Foundation
import NumCore
import Testing
@testable import Clustering

@Suite struct KMeansTests {
    /// `clusters` Gaussian blobs of `perCluster` points in `d` dimensions, centres 10 apart on
    /// the axes (scaled), noise sd 0.1; returns the points and the true label of each.
    private func blobs(clusters: Int, perCluster: Int, d: Int, seed: UInt64 = 7) -> (Matrix, [Int]) {
        var rng = RandomSource(seed: seed)
        let n = clusters * perCluster
        let x = Matrix(rows: n, cols: d)
        var labels = [Int](repeating: 0, count: n)
        var centres = [[Float]]()
        for c in 0..<clusters { centres.append((0..<d).map { _ in Float(c % 3) * 5 + rng.unitFloat() * 20 }) }
        // Shuffle the points so clusters are not contiguous.
        var order = Array(0..<n)
        rng.shuffle(&order)
        for (slot, i) in order.enumerated() {
            let c = slot % clusters
            labels[i] = c
            for j in 0..<d { x[i, j] = centres[c][j] + 0.1 * rng.normal() }
        }
        return (x, labels)
    }

    /// True when the two labelings induce the same partition of the points.
    private func samePartition(_ a: [Int32], _ b: [Int]) -> Bool {
        var map: [Int32: Int] = [:], back: [Int: Int32] = [:]
        for (x, y) in zip(a, b) {
            if let m = map[x], m != y { return false }
            if let m = back[y], m != x { return false }
            map[x] = y; back[y] = x
        }
        return true
    }

    @Test func recoversSeparatedBlobsExactly() {
        let (x, labels) = blobs(clusters: 5, perCluster: 60, d: 6)
        let result = KMeans(k: 5, maxIterations: 50, restarts: 3, seed: 3).fit(x)
        #expect(samePartition(result.assignments, labels))
        #expect(result.clusterSizes.sorted() == [60, 60, 60, 60, 60])
        #expect(result.assignments.count == 300)
        // The centroids are the blob means: the objective is about n * d * sd^2.
        #expect(result.objective < 300 * 6 * 0.01 * 1.5)
    }

    @Test func objectiveNeverIncreases() {
        var rng = RandomSource(seed: 11)
        let x = Matrix(rows: 400, cols: 8)
        for i in 0..<x.count { x.data[i] = rng.normal() }
        let result = KMeans(k: 12, maxIterations: 30, tolerance: 0, seed: 5).fit(x)
        #expect(result.objectiveHistory.count == result.iterations + 1)
        for (a, b) in zip(result.objectiveHistory, result.objectiveHistory.dropFirst()) {
            #expect(b <= a * (1 + 1e-6))
        }
        #expect(result.objective == result.objectiveHistory.last!)
        // The objective is the sum of squared distances to the assigned centroids.
        var direct = 0.0
        for i in 0..<x.rows {
            let c = Int(result.assignments[i])
            for j in 0..<x.cols { let t = Double(x[i, j] - result.centroids[c, j]); direct += t * t }
        }
        #expect(abs(result.objective - direct) <= 1e-6 * direct)
    }

    @Test func deterministicForSeedAndThreadCount() {
        let (x, _) = blobs(clusters: 7, perCluster: 40, d: 5, seed: 9)
        let config = KMeans(k: 9, maxIterations: 15, restarts: 2, seed: 42)
        let a = config.fit(x, pool: WorkerPool(threads: 2))
        let b = config.fit(x, pool: WorkerPool(threads: 2))
        let c = config.fit(x, pool: WorkerPool(threads: 1))
        #expect(a.assignments == b.assignments)
        #expect(a.centroids.array == b.centroids.array)
        #expect(a.assignments == c.assignments)
        #expect(a.centroids.array == c.centroids.array)
        #expect(a.objective == c.objective)
        let other = KMeans(k: 9, maxIterations: 15, restarts: 2, seed: 43).fit(x)
        #expect(other.assignments.count == a.assignments.count)
    }

    @Test func emptyClusterRepairWithDuplicatePoints() {
        // 6 distinct points, each repeated 5 times, k = 10 > distinct points: a nearest-centroid
        // assignment must leave clusters empty; the repair moves duplicates into them.
        var values = [Float]()
        for p in 0..<6 { for _ in 0..<5 { values += [Float(p), Float(p * p) * 0.5, 1] } }
        let x = Matrix(rows: 30, cols: 3, values: values)
        for seed in [UInt64(1), 2, 3] {
            let result = KMeans(k: 10, maxIterations: 10, seed: seed).fit(x)
            #expect(result.clusterSizes.filter { $0 == 0 }.count == 0, "seed \(seed)")
            #expect(result.clusterSizes.reduce(0, +) == 30)
            #expect(abs(result.objective - 0) <= 1e-6)
        }
    }

    @Test func fewerPointsThanClusters() {
        let x = Matrix(rows: 3, cols: 2, values: [0, 0, 1, 0, 0, 1])
        let result = KMeans(k: 5, seed: 2).fit(x)
        #expect(result.clusterSizes.reduce(0, +) == 3)
        #expect(result.clusterSizes.filter { $0 > 0 }.count == 3)
        #expect(abs(result.objective - 0) <= 1e-9)
        #expect(result.centroids.rows == 5)
        #expect(result.centroids.allFinite)
    }

    @Test func emptyClusterRepairTakesFarthestPoint() {
        // Cluster 1 is empty; point 3 is the farthest from its centroid and moves there.
        var assignments: [Int32] = [0, 0, 2, 0, 2]
        let distances: [Float] = [0.1, 0.2, 0.3, 5.0, 0.4]
        KMeans.repairEmptyClusters(assignments: &assignments, distances: distances, k: 3)
        #expect(assignments == [0, 0, 2, 1, 2])
        // A donor with a single point is never emptied: point 0 stays, point 2 moves.
        var single: [Int32] = [0, 2, 2]
        KMeans.repairEmptyClusters(assignments: &single, distances: [9, 1, 2], k: 3)
        #expect(single == [0, 2, 1])
    }

    @Test func gemmDistancesMatchBruteForce() {
        var rng = RandomSource(seed: 21)
        // More rows than one block, k not a multiple of 8, d odd.
        let x = Matrix(rows: 1300, cols: 7)
        for i in 0..<x.count { x.data[i] = rng.normal() }
        let c = Matrix(rows: 517, cols: 7)
        for i in 0..<c.count { c.data[i] = rng.normal() }
        let (assignments, distances) = KMeans.assign(x, centroids: c)
        for i in 0..<x.rows {
            var best = Float.infinity
            var all = [Float]()
            for j in 0..<c.rows {
                var s: Float = 0
                for t in 0..<7 { let v = x[i, t] - c[j, t]; s += v * v }
                all.append(s)
                best = min(best, s)
            }
            #expect(abs(distances[i] - best) <= 1e-4 * max(1, best))
            #expect(abs(all[Int(assignments[i])] - best) <= 1e-4 * max(1, best))
        }
    }

    @Test func argminTiesGoToLowestIndex() {
        let dots: [Float] = Array(repeating: 0, count: 19)
        var norms: [Float] = Array(repeating: 3, count: 19)
        norms[13] = 1; norms[5] = 1; norms[17] = 1
        let (j, v) = NearestCentroid.argminRow(dots, norms, 19)
        #expect(j == 5)
        #expect(v == 1)
    }

    @Test func plusPlusSeedsAreDistinctDataPoints() {
        let (x, _) = blobs(clusters: 4, perCluster: 25, d: 3)
        var rng = RandomSource(seed: 1)
        let seeds = KMeans.plusPlusSeeds(x, k: 4, rng: &rng)
        var rows = Set<[Float]>()
        for c in 0..<4 {
            let r = seeds.rowArray(c)
            #expect((0..<x.rows).contains { x.rowArray($0) == r })
            rows.insert(r)
        }
        #expect(rows.count == 4)
    }

    /// Whether the benchmarks run (`ESANS_BENCH=1`).
    static let benchEnabled = ProcessInfo.processInfo.environment["ESANS_BENCH"] == "1"

    /// Release-mode timing on a real matrix; runs only with ESANS_BENCH=1
    /// (input: ESANS_KMEANS_INPUT, default the Gowalla item embeddings of a trained run).
    @Test(.enabled(if: KMeansTests.benchEnabled, "set ESANS_BENCH=1 to run")) func benchmarkKMeans() throws {
        let env = ProcessInfo.processInfo.environment
        let path = env["ESANS_KMEANS_INPUT"] ?? "/tmp/scratch/rA/embeddings/item_embeddings.npy"
        let threads = Int(env["ESANS_THREADS"] ?? "") ?? WorkerPool.shared.threadCount
        print(try KMeans.benchmark(input: URL(fileURLWithPath: path), k: 256, iterations: 20, runs: 3, pool: WorkerPool(threads: threads)))
    }
}

extension KMeansTests {
    /// Thread CPU time of each k-means phase on the benchmark matrix (single-threaded pool,
    /// so the figures hold up on a loaded machine); runs only with ESANS_BENCH=1.
    @Test(.enabled(if: KMeansTests.benchEnabled, "set ESANS_BENCH=1 to run")) func benchmarkPhases() throws {
        let env = ProcessInfo.processInfo.environment
        let path = env["ESANS_KMEANS_INPUT"] ?? "/tmp/scratch/rA/embeddings/item_embeddings.npy"
        let x = try NPY.readMatrix(from: URL(fileURLWithPath: path))
        let pool = WorkerPool(threads: 1)
        func cpu() -> Double { var ts = timespec(); clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9 }
        func time(_ f: () -> Void) -> String { let t = cpu(); f(); return String(format: "%.4f s", cpu() - t) }
        var rng = RandomSource(seed: 1)
        var c = Matrix(rows: 1, cols: 1)
        print("k-means++ seeding (k = 256):", time { c = KMeans.plusPlusSeeds(x, k: 256, rng: &rng, pool: pool) })
        var a = [Int32]()
        print("20 assignment steps:", time { for _ in 0..<20 { a = KMeans.assign(x, centroids: c, pool: pool).assignments } })
        let dots = Matrix(rows: 512, cols: 256)
        let blocks = x.rows / 512
        print("20 x GEMM alone (\(blocks) blocks of 512):", time {
            for _ in 0..<20 { for b in 0..<blocks {
                sgemm(transA: false, transB: true, m: 512, n: 256, k: x.cols, a: x.row(b * 512), lda: x.cols,
                      b: c.data, ldb: x.cols, c: dots.data, ldc: 256, pool: nil)
            } }
        })
        print("20 centroid updates:", time { for _ in 0..<20 { _ = KMeans.clusterMeans(x, assignments: a, k: 256, previous: c, pool: pool) } })
    }
}
