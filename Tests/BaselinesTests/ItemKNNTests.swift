import Foundation
import Testing
import NumCore
import Datasets
@testable import Baselines

/// Users 0–3 over items 0–3: u0 {0, 1}, u1 {0, 1, 2}, u2 {1, 2}, u3 {3}.
/// Item users: U_0 = {0, 1}, U_1 = {0, 1, 2}, U_2 = {1, 2}, U_3 = {3}; co-occurrences
/// |U_0 ∩ U_1| = 2, |U_0 ∩ U_2| = 1, |U_1 ∩ U_2| = 2, item 3 shares no user.
let tinyTrain = Interactions(numUsers: 4, numItems: 4, lists: [[0, 1], [0, 1, 2], [1, 2], [3]])

/// The scores `baseline` gives a user with `history`, as an array.
func scores(_ baseline: some Baseline, history: [Int32], items: Int) -> [Float] {
    var row = [Float](repeating: 0, count: items)
    row.withUnsafeMutableBufferPointer { baseline.score(history: history[...], into: $0) }
    return row
}

func close(_ a: [Float], _ b: [Double], tolerance: Double = 1e-6) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs(Double($0) - $1) <= tolerance }
}

@Suite struct ItemKNNTests {
    @Test func similaritiesByHand() {
        var knn = ItemKNN(neighbors: 3, shrink: 0)
        knn.fit(tinyTrain, pool: WorkerPool(threads: 2))
        let s01 = 2 / (2.0.squareRoot() * 3.0.squareRoot())  // 0.8165
        let s02 = 1 / (2.0.squareRoot() * 2.0.squareRoot())  // 0.5
        let s12 = 2 / (3.0.squareRoot() * 2.0.squareRoot())  // 0.8165, the same as s01
        // N(j) best first, ties (s01 = s12) to the lower index; never the item itself, no zeros.
        #expect(knn.neighbours(of: 0).map(\.item) == [1, 2])
        #expect(close(knn.neighbours(of: 0).map(\.similarity), [s01, s02]))
        #expect(knn.neighbours(of: 1).map(\.item) == [0, 2])
        #expect(close(knn.neighbours(of: 1).map(\.similarity), [s01, s12]))
        #expect(knn.neighbours(of: 2).map(\.item) == [1, 0])
        #expect(close(knn.neighbours(of: 2).map(\.similarity), [s12, s02]))
        #expect(knn.neighbours(of: 3).isEmpty)
        // A user who knows item 0 scores j by sim(0, j) when 0 ∈ N(j).
        #expect(close(scores(knn, history: [0], items: 4), [0, s01, s02, 0]))
        // Knowing 1 and 2: item 0 gets sim(1, 0) + sim(2, 0); item 1 gets sim(2, 1), item 2 sim(1, 2).
        #expect(close(scores(knn, history: [1, 2], items: 4), [s01 + s02, s12, s12, 0]))
    }

    @Test func shrinkageByHand() {
        var knn = ItemKNN(neighbors: 3, shrink: 1)
        knn.fit(tinyTrain, pool: WorkerPool(threads: 1))
        let s01 = 2 / (6.0.squareRoot() + 1), s02 = 1 / (2.0 + 1)
        #expect(close(knn.neighbours(of: 0).map(\.similarity), [s01, s02]))
        #expect(close(scores(knn, history: [0], items: 4), [0, s01, s02, 0]))
    }

    /// One neighbour per item: N(0) = {1}, N(1) = {0} (tie with 2, lower index), N(2) = {1}.
    /// A user who knows item 0 no longer scores item 2 (0 is not among 2's neighbours).
    @Test func keepsOnlyTheTopNeighbours() {
        var knn = ItemKNN(neighbors: 1, shrink: 0)
        knn.fit(tinyTrain, pool: WorkerPool(threads: 2))
        #expect(knn.neighbours(of: 0).map(\.item) == [1])
        #expect(knn.neighbours(of: 1).map(\.item) == [0])
        #expect(knn.neighbours(of: 2).map(\.item) == [1])
        let s01 = 2 / 6.0.squareRoot()
        #expect(close(scores(knn, history: [0], items: 4), [0, s01, 0, 0]))
        #expect(close(scores(knn, history: [1, 2], items: 4), [s01, 0, s01, 0]))
    }

    /// Random data against a dense reference: every similarity from sets, a full sort per
    /// item, the truncated sums; several pool sizes and task sizes give the same fit.
    @Test(arguments: [(1, 64), (2, 1), (2, 7)])
    func matchesADenseReference(threads: Int, itemsPerTask: Int) {
        var rng = RandomSource(seed: 7)
        let users = 30, items = 40, k = 3, shrink = 2.0
        let lists = (0..<users).map { _ in Array(Set((0..<(1 + rng.below(9))).map { _ in Int32(rng.below(items)) })).sorted() }
        let train = Interactions(numUsers: users, numItems: items, lists: lists)
        var itemUsers = [Set<Int>](repeating: [], count: items)
        for (u, list) in lists.enumerated() { for i in list { itemUsers[Int(i)].insert(u) } }
        var w = [[Double]](repeating: [Double](repeating: 0, count: items), count: items)  // w[i][j]
        for j in 0..<items {
            var sims: [(i: Int, s: Double)] = []
            for i in 0..<items where i != j {
                let c = Double(itemUsers[i].intersection(itemUsers[j]).count)
                let s = Float(c / ((Double(itemUsers[i].count).squareRoot() * Double(itemUsers[j].count).squareRoot()) + shrink))
                if s > 0 { sims.append((i, Double(s))) }
            }
            sims.sort { $0.s != $1.s ? $0.s > $1.s : $0.i < $1.i }
            for (i, s) in sims.prefix(k) { w[i][j] = s }
        }
        var knn = ItemKNN(neighbors: k, shrink: shrink, itemsPerTask: itemsPerTask)
        knn.fit(train, pool: WorkerPool(threads: threads))
        for u in 0..<users {
            let want = (0..<items).map { j in lists[u].reduce(0.0) { $0 + w[Int($1)][j] } }
            #expect(close(scores(knn, history: lists[u], items: items), want, tolerance: 1e-5), "user \(u)")
        }
    }

    @Test func mostPopularScoresTheTrainingCount() {
        var pop = MostPopular()
        pop.fit(tinyTrain, pool: .shared)
        #expect(pop.counts == [2, 3, 2, 1])
        #expect(scores(pop, history: [], items: 4) == [2, 3, 2, 1])
        #expect(scores(pop, history: [0, 3], items: 4) == [2, 3, 2, 1])
    }
}
