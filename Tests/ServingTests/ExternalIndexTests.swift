import TestSupport
import RunFixtures
import Foundation
import Testing
import NumCore
@testable import Serving

/// An external index answered by brute force over the run's items, recording the limits asked.
final class FakeExternal: ExternalIndex, @unchecked Sendable {
    let items: Matrix
    var limits: [Int] = []
    var failure: ServingError?
    init(items: Matrix) { self.items = items }
    var summary: String { "fake" }
    func nearest(_ query: [Float], limit: Int) throws -> [Neighbor] {
        if let failure { throw failure }
        limits.append(limit)
        return query.withUnsafeBufferPointer { q in
            [Int32]().withUnsafeBufferPointer { ExactIndex(items: items).search(q, k: limit, excluding: $0) }
        }
    }
}

@Suite struct ExternalIndexTests {
    @Test func aVectorDatabaseAnswersLikeExactSearchWithTheSeenItemsDropped() throws {
        let tmp = TempDir()
        let run = try ServingRun(directory: try makeRun(in: tmp.url))
        let fake = FakeExternal(items: run.items)
        let r = Retriever(run: run, ivf: nil, maxK: 50, external: fake)
        let exact = Retriever(run: run, ivf: nil, maxK: 50)
        #expect(r.defaultIndex == .vectordb && exact.defaultIndex == .exact)
        for u in [0, 7, 19] {
            let uid = run.dataset.users[u]
            let seen = Set(run.known.items(of: u))
            let got = try r.retrieve(RetrievalQuery(source: .user(uid), k: 10))
            let want = try exact.retrieve(RetrievalQuery(source: .user(uid), k: 10))
            #expect(got.map(\.id) == want.map(\.id))
            // k plus the distinct seen items were asked for, so that k remain.
            #expect(fake.limits.last == 10 + seen.count)
        }
        // An explicit exclusion repeated and also seen counts once.
        let uid = run.dataset.users[3]
        let seenID = run.dataset.items[Int(run.known.items(of: 3).first!)]
        _ = try r.retrieve(RetrievalQuery(source: .user(uid), k: 5, exclude: [seenID, seenID]))
        #expect(fake.limits.last == 5 + Set(run.known.items(of: 3)).count)
        // "exact" still answers locally; similar items go to the database too.
        _ = try r.retrieve(RetrievalQuery(source: .user(uid), k: 5, index: .exact))
        #expect(fake.limits.count == 4)
        let sim = try r.similar(to: run.dataset.items[2], k: 4)
        #expect(sim.count == 4 && !sim.contains { $0.id == run.dataset.items[2] } && fake.limits.last == 5)
    }

    @Test func withoutADatabaseOrWhenItFailsTheRequestIsRefused() throws {
        let tmp = TempDir()
        let run = try ServingRun(directory: try makeRun(in: tmp.url))
        let plain = Retriever(run: run, ivf: nil)
        #expect(throws: ServingError.self) { try plain.retrieve(RetrievalQuery(source: .user(run.dataset.users[0]), k: 3, index: .vectordb)) }
        let fake = FakeExternal(items: run.items)
        fake.failure = ServingError(.unavailable, "down")
        let r = Retriever(run: run, ivf: nil, external: fake)
        #expect(throws: ServingError(.unavailable, "down")) { try r.retrieve(RetrievalQuery(source: .user(run.dataset.users[0]), k: 3)) }
    }

    @Test func theLimitNeverExceedsTheItemsAndShortAnswersStayShort() throws {
        let tmp = TempDir()
        let run = try ServingRun(directory: try makeRun(in: tmp.url))
        let fake = FakeExternal(items: run.items)
        let n = run.dataset.numItems
        let got = try fake.search(run.users.rowArray(0), k: n, excluding: [0, 1, 1, 2], count: n)
        #expect(fake.limits.last == n)
        #expect(got.count == n - 3 && !got.contains { $0.item <= 2 })
        #expect([1, 3, 3, 9].sortedContains(3) && ![1, 3, 3, 9].sortedContains(4) && ![Int32]().sortedContains(0))
    }
}
