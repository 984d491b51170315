import Foundation
import NumCore

/// Recall of an ``IVFIndex`` against exact search, and the throughput and latency of both, on
/// a set of query vectors (what `esans index eval` prints and plots).
public struct IndexEvaluation: Codable, Sendable {
    /// Measurements for one search configuration.
    public struct Point: Codable, Sendable {
        /// `exact`, or `ivf` with ``nprobe``.
        public var method: String
        /// IVF lists probed (0 for exact).
        public var nprobe: Int
        /// Mean fraction of the exact top-K found.
        public var recall: Double
        /// Mean fraction of the item vectors scanned per query.
        public var scannedFraction: Double
        /// Queries per second, batched (`sgemm` scores or one query per task on every core).
        public var batchQPS: Double
        /// Single-query latency percentiles in milliseconds (one query at a time).
        public var p50ms: Double, p99ms: Double
    }

    /// The cut-off (K of recall@K).
    public var k: Int
    /// Number of queries.
    public var queries: Int
    /// Queries timed one at a time for the latency percentiles.
    public var latencyQueries: Int
    /// Exact search first, then IVF per nprobe.
    public var points: [Point]

    /// Measures `exact` and `ivf` (each nprobe in `probes`) on the rows of `queries`.
    /// `excluding(i)` gives query i's sorted exclusions (e.g. the user's training items).
    /// Batched timings are taken in `repeats` rounds, each timing exact search and then every
    /// nprobe once, and each keeps its fastest round: on a shared machine a burst of load
    /// then hits every configuration alike instead of skewing one ratio.
    public static func run(exact: ExactIndex, ivf: IVFIndex, queries: Matrix, k: Int, probes: [Int],
                           latencyQueries: Int = 1000, repeats: Int = 5,
                           excluding: @escaping (Int) -> [Int32], progress: (String) -> Void = { _ in }) -> IndexEvaluation {
        let b = queries.rows, k = min(k, exact.count)
        let latencyCount = min(latencyQueries, b)
        let probes = probes.filter { $0 >= 1 && $0 <= ivf.lists }
        func seconds(_ body: () -> Void) -> Double {
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        }
        func latencies(_ one: (UnsafeBufferPointer<Float>, UnsafeBufferPointer<Int32>) -> Void) -> (Double, Double) {
            var ms = [Double]()
            ms.reserveCapacity(latencyCount)
            for i in 0..<latencyCount {
                let ex = excluding(i)
                let q = UnsafeBufferPointer(start: queries.row(i), count: queries.cols)
                ex.withUnsafeBufferPointer { e in
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    one(q, e)
                    ms.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                }
            }
            ms.sort()
            return (percentile(ms, 0.5), percentile(ms, 0.99))
        }

        // Batched throughput, interleaved rounds; the answers of the first round give recall.
        var truth: [Int32] = []
        var found = [[Int32]](repeating: [], count: probes.count)
        var exactBest = Double.infinity
        var ivfBest = [Double](repeating: .infinity, count: probes.count)
        for round in 0..<max(1, repeats) {
            exactBest = min(exactBest, seconds {
                let r = exact.searchBatch(queries, k: k, excluding: excluding)
                if round == 0 { truth = r }
            })
            for (j, nprobe) in probes.enumerated() {
                ivfBest[j] = min(ivfBest[j], seconds {
                    let r = ivf.searchBatch(queries, k: k, nprobe: nprobe, excluding: excluding)
                    if round == 0 { found[j] = r }
                })
            }
        }
        let (e50, e99) = latencies { q, e in _ = exact.search(q, k: k, excluding: e) }
        var points = [Point(method: "exact", nprobe: 0, recall: 1, scannedFraction: 1,
                            batchQPS: Double(b) / exactBest, p50ms: e50, p99ms: e99)]
        progress(String(format: "exact: %.0f queries/s batched, p50 %.3f ms, p99 %.3f ms", points[0].batchQPS, e50, e99))
        let sizes = (0..<ivf.lists).map { ivf.listOffsets[$0 + 1] - ivf.listOffsets[$0] }
        for (j, nprobe) in probes.enumerated() {
            let (p50, p99) = latencies { q, e in _ = ivf.search(q, k: k, nprobe: nprobe, excluding: e) }
            let recall = meanRecall(truth: truth, found: found[j], queries: b, k: k)
            let scanned = meanScanned(ivf: ivf, queries: queries, nprobe: nprobe, sizes: sizes)
            let p = Point(method: "ivf", nprobe: nprobe, recall: recall, scannedFraction: scanned,
                          batchQPS: Double(b) / ivfBest[j], p50ms: p50, p99ms: p99)
            points.append(p)
            progress(String(format: "ivf nprobe %d: recall@%d %.4f, scanned %.3f, %.0f queries/s (%.2fx exact), p50 %.3f ms, p99 %.3f ms",
                            nprobe, k, recall, scanned, p.batchQPS, p.batchQPS / points[0].batchQPS, p50, p99))
        }
        return IndexEvaluation(k: k, queries: b, latencyQueries: latencyCount, points: points)
    }

    /// Mean over queries of |found ∩ truth| / |truth| (rows of `k` ids, `-1` padding).
    static func meanRecall(truth: [Int32], found: [Int32], queries: Int, k: Int) -> Double {
        var total = 0.0, counted = 0
        for i in 0..<queries {
            let t = Set(truth[(i * k)..<((i + 1) * k)].filter { $0 >= 0 })
            if t.isEmpty { continue }
            let hit = found[(i * k)..<((i + 1) * k)].filter { $0 >= 0 && t.contains($0) }.count
            total += Double(hit) / Double(t.count)
            counted += 1
        }
        return counted == 0 ? 1 : total / Double(counted)
    }

    /// Mean fraction of items in the `nprobe` lists nearest to each query.
    static func meanScanned(ivf: IVFIndex, queries: Matrix, nprobe: Int, sizes: [Int]) -> Double {
        let scores = Matrix.product(queries, ivf.centroids, transposeB: true)
        var total = 0.0
        for i in 0..<queries.rows {
            let top = TopKSelector(k: nprobe).select(scores.rowArray(i))
            total += Double(top.reduce(0) { $0 + sizes[Int($1.index)] })
        }
        return total / Double(max(1, queries.rows)) / Double(max(1, ivf.count))
    }

    /// The `q`-quantile of sorted values (nearest rank).
    public static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        if sorted.isEmpty { return 0 }
        let rank = Int((q * Double(sorted.count)).rounded(.up)) - 1
        return sorted[max(0, min(sorted.count - 1, rank))]
    }

    /// A Markdown table of the points.
    public var markdown: String {
        var s = "| method | nprobe | recall@\(k) | scanned | batch QPS | x exact | p50 ms | p99 ms |\n|---|---|---|---|---|---|---|---|\n"
        let base = points.first?.batchQPS ?? 1
        for p in points {
            s += "| \(p.method) | " + String(format: "%d | %.4f | %.3f | %.0f | %.2f | %.3f | %.3f |\n",
                        p.nprobe, p.recall, p.scannedFraction, p.batchQPS, p.batchQPS / base, p.p50ms, p.p99ms)
        }
        return s
    }
}
