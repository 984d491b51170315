import Foundation
import Testing
import NumCore
import TestSupport
@testable import Codebooks

/// The cascaded codebooks report each level's k-means as a stage, primary first.
struct CodebooksProgressTests {
    static func points(_ n: Int, _ d: Int, seed: UInt64) -> Matrix {
        var rng = RandomSource(seed: seed)
        return Matrix(rows: n, cols: d, values: (0..<(n * d)).map { _ in rng.normal() })
    }

    @Test func codebooksReportBothLevels() {
        let x = Self.points(200, 4, seed: 5)
        var levels: [Int: [(Int, Int)]] = [:], order: [Int] = []
        let fit = CascadedCodebooks.fit(fused: x, modalities: [x], kp: 6, ks: 3, maxIterations: 8, restarts: 2, seed: 1) { level, done, total in
            if order.last != level { order.append(level) }
            levels[level, default: []].append((done, total))
        }
        #expect(order == [0, 1], "primary first, then secondary: \(order)")
        ProgressCalls.expectMonotone(levels[0] ?? [], total: 16, "primary")
        ProgressCalls.expectMonotone(levels[1] ?? [], total: 16, "secondary")
        let plain = CascadedCodebooks.fit(fused: x, modalities: [x], kp: 6, ks: 3, maxIterations: 8, restarts: 2, seed: 1)
        #expect(fit.ids == plain.ids)
    }
}
