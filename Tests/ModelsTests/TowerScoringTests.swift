import TestSupport
import Testing
import NumCore
@testable import Models

/// `Tower.scores(users:ids:perRow:pool:)`, the candidate scoring of model-scored samplers,
/// against a forward pass over the candidates and a dot product per row.
@Suite struct TowerScoringTests {
    private func tower(_ config: TowerConfig, dim: Int, vocabulary: Int, seed: UInt64) -> Tower {
        var rng = RandomSource(seed: seed)
        return Tower(name: "item", config: config, dim: dim, vocabulary: vocabulary, historyVocabulary: 0,
                     sharedHistoryTable: nil, initStd: 0.5, rng: &rng)
    }

    @Test(arguments: [5, 160])
    func plainTowerScoresHaveTheForwardPassBits(dim: Int) throws {
        let t = tower(TowerConfig(), dim: dim, vocabulary: 50, seed: 3)
        var rng = RandomSource(seed: 4)
        let users = randomMatrix(40, dim, &rng, scale: 0.5), perRow = 29
        // Enough candidates to be split over the pool; a zero row exercises the epsilon.
        let ids = (0..<(40 * perRow)).map { _ in Int32(rng.below(50)) }
        t.embedding!.table.value.row(Int(ids[7])).update(repeating: 0, count: dim)
        let fast = try #require(t.scores(users: users, ids: ids, perRow: perRow, pool: WorkerPool(threads: 3)))
        let v = t.forward(Tower.Input(ids: ids))
        for i in 0..<ids.count {
            let expected = VectorMath.dot(users.row(i / perRow), v.row(i), dim)
            #expect(fast[i].bitPattern == expected.bitPattern, "candidate \(i)")
        }
    }

    @Test func towersWithMoreThanAnEmbeddingAreNotScoredFromTheTable() {
        let users = Matrix(rows: 1, cols: 4)
        #expect(tower(TowerConfig(), dim: 4, vocabulary: 6, seed: 1).isPlainEmbedding)
        #expect(tower(TowerConfig(hidden: [6]), dim: 4, vocabulary: 6, seed: 1).scores(users: users, ids: [1], perRow: 1) == nil)
    }
}
