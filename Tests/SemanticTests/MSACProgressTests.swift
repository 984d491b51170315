import Foundation
import Testing
import NumCore
import Datasets
import TestSupport
@testable import Semantic

/// The progress of a whole MSAC fit: its k-means levels as stages of their own, in order
/// (the stages' own callbacks are tested with k-means, the codebooks and the text encoder).
struct MSACProgressTests {
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
        ProgressCalls.expectMonotone(calls[.kMeansPrimary] ?? [], total: 7, "primary")
        ProgressCalls.expectMonotone(calls[.kMeansSecondary] ?? [], total: 7, "secondary")
    }
}
