import Testing
import NumCore
import Datasets
@testable import Evaluation

/// Cold-item metrics, ranked against the whole catalogue and among the cold items only, on a
/// catalogue small enough to rank by hand.
@Suite struct ColdItemEvaluationTests {
    /// Items are points on a line in 2-d (score = x for the users below), so every ranking is
    /// known: catalogue rows 0-3 are trained items, rows 4-6 cold ones.
    @Test func bothRankingsOnAHandRankedCatalogue() {
        let xs: [Float] = [0.9, 0.8, 0.1, -0.5, 0.85, 0.2, -0.9]
        let items = Matrix(rows: xs.count, cols: 2)
        for (i, x) in xs.enumerated() { items[i, 0] = x; items[i, 1] = 0 }
        let users = Matrix(rows: 3, cols: 2)
        for u in 0..<3 { users[u, 0] = 1 }
        // User 0 likes cold row 4 (third in the catalogue: 0.9, 0.85 → second after masking row 0);
        // user 1 likes cold row 6 (last everywhere); user 2 has no cold item.
        let known = ItemLists([[0], [], [1]])
        let relevant = ItemLists([[4], [6], []])
        let r = ColdItemEvaluation.evaluate(FullCorpusEvaluator(cutoffs: [1, 2, 3]), userVectors: users, itemVectors: items,
                                            coldRows: [4, 5, 6], known: known, relevant: relevant)
        #expect(r.coldItems == 3 && r.relevantItems == 2 && r.interactions == 2)
        #expect(r.catalogue.usersEvaluated == 2 && r.coldOnly.usersEvaluated == 2)
        // Catalogue: user 0 ranks 0.85 first once row 0 is masked (0.85 > 0.8): hit at 1; user 1's item is last (7th).
        #expect(r.catalogue.values["recall@1"] == 0.5 && r.catalogue.values["recall@3"] == 0.5)
        // Among the cold items: user 0's is first, user 1's third of three.
        #expect(r.coldOnly.values["recall@1"] == 0.5 && r.coldOnly.values["recall@2"] == 0.5 && r.coldOnly.values["recall@3"] == 1)
        let v = r.values(prefix: "valid_")
        #expect(v["valid_cold_recall@1"] == 0.5 && v["valid_coldonly_recall@3"] == 1 && v["valid_cold_users"] == 2)
    }

    /// A known cold item stays masked in the cold-only ranking too.
    @Test func knownColdItemsAreMaskedAmongTheColdOnes() {
        let items = Matrix(rows: 4, cols: 1)
        for (i, x) in [Float(1), 0.5, 0.9, 0.8].enumerated() { items[i, 0] = x }
        let users = Matrix(rows: 1, cols: 1)
        users[0, 0] = 1
        let r = ColdItemEvaluation.evaluate(FullCorpusEvaluator(cutoffs: [1]), userVectors: users, itemVectors: items, coldRows: [2, 3],
                                            known: ItemLists([[2]]), relevant: ItemLists([[3]]))
        #expect(r.coldOnly.values["recall@1"] == 1, "row 2 is known: row 3 ranks first among the cold items")
        #expect(r.catalogue.values["recall@1"] == 0, "row 0 (score 1) comes first in the catalogue")
    }

    /// The cold test pairs map to the catalogue rows of the items with features; the others are counted.
    @Test func testRelevanceMapsColdTestPairsToCatalogueRows() {
        let train = Interactions(numUsers: 2, numItems: 3, lists: [[0, 1], [2]])
        var ds = Dataset(name: "d", users: IDMap(["a", "b"]), items: IDMap(["x", "y", "z"]), train: train,
                         test: Interactions.empty(numUsers: 2, numItems: 3), itemsWithoutTraining: ["c1", "c2", "c3"])
        ds.coldTest = Interactions(numUsers: 2, numItems: 3, lists: [[0, 2], [1]])
        // The catalogue has rows for c3 and c1 (in that order); c1's row has no features.
        let (relevant, skipped) = ColdItemEvaluation.testRelevance(dataset: ds, extraItemIDs: ["c3", "c1"], present: [true, true, true, true, false])!
        #expect(Array(relevant.items(of: 0)) == [3] && relevant.items(of: 1).isEmpty)
        #expect(skipped == 2 && relevant.numItems == 5)
    }
}
