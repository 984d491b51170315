import TestSupport
import Foundation
import Testing
import NumCore
@testable import Serving

@Suite struct ExactIndexTests {
    private func search(_ index: any RetrievalIndex, _ q: [Float], k: Int, excluding: [Int32] = []) -> [Neighbor] {
        q.withUnsafeBufferPointer { qp in excluding.sorted().withUnsafeBufferPointer { index.search(qp, k: k, excluding: $0) } }
    }

    @Test func singleQueryEqualsBruteForceWithExclusions() {
        let items = normalisedRows(1000, 64, seed: 3)
        let index = ExactIndex(items: items)
        for s in 0..<5 {
            let q = normalisedRows(1, 64, seed: 100 + UInt64(s)).rowArray(0)
            let truth = bruteForce(items, q, k: 20)
            let ex = [truth[0].0, truth[3].0, 999, 0]
            let got = search(index, q, k: 20, excluding: ex)
            let want = bruteForce(items, q, k: 20, excluding: Set(ex))
            #expect(got.map(\.item) == want.map(\.0))
            #expect(zip(got, want).allSatisfy { abs($0.score - $1.1) < 1e-5 })
            #expect(!got.contains { ex.contains($0.item) })
        }
    }

    @Test func parallelSplitMergesToTheSameAnswer() {
        // Above the parallel threshold, so the rows are split over the pool's threads.
        let n = ExactIndex.parallelThreshold + 1234
        let items = normalisedRows(n, 8, seed: 4)
        let q = normalisedRows(1, 8, seed: 5).rowArray(0)
        let got = search(ExactIndex(items: items), q, k: 50, excluding: [7, 8, 20000])
        let want = bruteForce(items, q, k: 50, excluding: [7, 8, 20000])
        #expect(got.map(\.item) == want.map(\.0))
    }

    @Test func kLargerThanTheItemsAndBatchEqualsSingle() {
        let items = normalisedRows(30, 16, seed: 6)
        let index = ExactIndex(items: items)
        let queries = normalisedRows(70, 16, seed: 7)
        #expect(search(index, queries.rowArray(0), k: 100).count == 30)
        #expect(search(index, queries.rowArray(0), k: 100, excluding: [1, 2]).count == 28)
        let batch = index.searchBatch(queries, k: 10, excluding: { $0 == 3 ? [0, 5] : [] })
        for i in 0..<70 {
            let single = search(index, queries.rowArray(i), k: 10, excluding: i == 3 ? [0, 5] : [])
            #expect(Array(batch[(i * 10)..<((i + 1) * 10)]) == single.map(\.item), "query \(i)")
        }
    }
}
