import Foundation
import Testing
import NumCore
import Datasets
import TestSupport
@testable import Semantic

/// The progress callbacks of MSAC's long stages: counts from 0 that only grow and end at the
/// total, and results unchanged by them.
struct MSACProgressTests {
    /// Checks one stage's calls: first `(0, total)`, strictly growing, last `(total, total)`.
    static func expectMonotone(_ calls: [(done: Int, total: Int)], total: Int, _ what: String) {
        #expect(!calls.isEmpty, "\(what): no calls")
        #expect(calls.first?.done == 0 && calls.last?.done == total && calls.allSatisfy { $0.total == total }, "\(what): \(calls)")
        #expect(zip(calls, calls.dropFirst()).allSatisfy { $0.done < $1.done }, "\(what): \(calls)")
    }

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
        Self.expectMonotone(calls, total: restarts * iterations, "k-means")
        // At least one call per restart after the start; at most one per iteration.
        #expect(calls.count >= restarts + 1 && calls.count <= restarts * iterations + 1)
    }

    @Test func codebooksReportBothLevels() {
        let x = Self.points(200, 4, seed: 5)
        var levels: [Int: [(Int, Int)]] = [:], order: [Int] = []
        let fit = CascadedCodebooks.fit(fused: x, modalities: [x], kp: 6, ks: 3, maxIterations: 8, restarts: 2, seed: 1) { level, done, total in
            if order.last != level { order.append(level) }
            levels[level, default: []].append((done, total))
        }
        #expect(order == [0, 1], "primary first, then secondary: \(order)")
        Self.expectMonotone(levels[0] ?? [], total: 16, "primary")
        Self.expectMonotone(levels[1] ?? [], total: 16, "secondary")
        let plain = CascadedCodebooks.fit(fused: x, modalities: [x], kp: 6, ks: 3, maxIterations: 8, restarts: 2, seed: 1)
        #expect(fit.ids == plain.ids)
    }

    /// The text encoder reports after every batch.
    @Test func sentenceEncoderReportsBatches() throws {
        let model = TinyBertModel()
        let dir = try model.write()
        defer { try? FileManager.default.removeItem(at: dir) }
        let encoder = try SentenceEncoder(directory: dir)
        let texts = (0..<11).map { "the cat sat on mat \($0)" }
        var calls: [(Int, Int)] = []
        _ = encoder.encode(texts, batchSize: 4) { calls.append(($0, $1)) }
        #expect(calls.map(\.0) == [4, 8, 11] && calls.allSatisfy { $0.1 == 11 })
    }

    /// A fit reports each k-means level as a stage of its own, in order.
    @Test func aFitReportsItsStages() throws {
        let tmp = TempDir()
        let fixture = try RecBoleFixture(parent: tmp.url)
        let (ds, itemFile) = try CatalogueTests.load(fixture)
        var c = MSACPipeline.Config()
        c.modalities = ["structured", "behaviour"]
        c.structuredFields = ["class"]
        c.dim = 8; c.kp = 4; c.ks = 2; c.alignEpochs = 3; c.iterations = 7
        var stages: [MSACStage] = [], calls: [MSACStage: [(Int, Int)]] = [:]
        _ = try MSACPipeline(config: c).run(dataset: ds, itemFile: itemFile, kgFile: nil, linkFile: nil, progress: { stage, done, total in
            if stages.last != stage { stages.append(stage) }
            calls[stage, default: []].append((done, total))
        })
        #expect(stages == [.kMeansPrimary, .kMeansSecondary])
        Self.expectMonotone(calls[.kMeansPrimary] ?? [], total: 7, "primary")
        Self.expectMonotone(calls[.kMeansSecondary] ?? [], total: 7, "secondary")
    }
}
