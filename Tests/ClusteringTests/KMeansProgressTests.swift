import Foundation
import Testing
import NumCore
import TestSupport
@testable import Clustering

/// k-means reports its iterations over restarts: counts from 0 that only grow and end at the
/// total, and results unchanged by the callback.
struct KMeansProgressTests {
    static func points(_ n: Int, _ d: Int, seed: UInt64) -> Matrix {
        var rng = RandomSource(seed: seed)
        return Matrix(rows: n, cols: d, values: (0..<(n * d)).map { _ in rng.normal() })
    }

    @Test(arguments: [(1, 10, 1e-4), (3, 6, 1e-4), (2, 25, 0.0)])
    func kMeansReportsIterationsOverRestarts(_ restarts: Int, _ iterations: Int, _ tolerance: Double) {
        let x = Self.points(300, 5, seed: 2)
        let km = KMeans(k: 7, maxIterations: iterations, restarts: restarts, tolerance: tolerance, seed: 4)
        var calls: [(Int, Int)] = []
        let with = km.fit(x) { calls.append(($0, $1)) }
        let without = km.fit(x)
        #expect(with.assignments == without.assignments && with.objective == without.objective)
        ProgressCalls.expectMonotone(calls, total: restarts * iterations, "k-means")
        // At least one call per restart after the start; at most one per iteration.
        #expect(calls.count >= restarts + 1 && calls.count <= restarts * iterations + 1)
    }
}
