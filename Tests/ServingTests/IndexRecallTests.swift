import TestSupport
import RunFixtures
import Foundation
import Testing
import NumCore
import Datasets
@testable import Serving

/// The recall `esans index build` measures and records, and what `serve` reads back.
@Suite struct IndexRecallTests {
    /// Probing every list finds exact search's answers; one list of many finds fewer; the
    /// measurement equals the recall computed by hand from brute-force answers.
    @Test func measuresRecallAgainstExactSearch() throws {
        let tmp = TempDir()
        let run = try ServingRun(directory: try makeRun(in: tmp.url, users: 60, items: 200, dim: 8))
        let ivf = IVFBuilder.fromKMeans(items: run.items, lists: 16, seed: 2, defaultProbes: 1)
        let measured = IndexRecall.measure(ivf: ivf, items: run.items, userVectors: run.users, known: run.known,
                                           k: 10, queries: 25, seed: 7, probes: [1, 16])
        #expect(measured.map(\.nprobe) == [1, 16])
        #expect(measured.allSatisfy { $0.k == 10 && $0.queries == 25 && $0.seed == 7 })
        #expect(measured[1].recall == 1)
        #expect(measured[0].recall < 1)
        // By hand: the same 25 users, brute-force truth, IVF at nprobe 1.
        let users = IndexRecall.sampleUsers(count: 25, of: run.dataset.numUsers, seed: 7)
        var total = 0.0
        for u in users {
            let seen = Array(run.known.items(of: u))
            let truth = Set(bruteForce(run.items, run.users.rowArray(u), k: 10, excluding: Set(seen)).map(\.0))
            let found = run.users.rowArray(u).withUnsafeBufferPointer { q in
                seen.withUnsafeBufferPointer { ivf.search(q, k: 10, nprobe: 1, excluding: $0) }
            }
            total += Double(found.filter { truth.contains($0.item) }.count) / Double(truth.count)
        }
        #expect(abs(measured[0].recall - total / Double(users.count)) < 1e-9)
        // The same seed draws the same users; 0 means all of them.
        #expect(IndexRecall.sampleUsers(count: 25, of: 60, seed: 7) == users)
        #expect(IndexRecall.sampleUsers(count: 0, of: 60, seed: 7) == Array(0..<60))
    }

    /// The measurement goes into the index file's metadata and comes back with the index; an
    /// index without it (built before esans measured recall) reads back as nil.
    @Test func recordedInTheIndexAndReadBackByTheRetriever() throws {
        let tmp = TempDir()
        let runDir = try makeRun(in: tmp.url)
        let run = try ServingRun(directory: runDir)
        let ivf = IVFBuilder.fromKMeans(items: run.items, lists: 4, defaultProbes: 2)
        let recall = IndexRecall(recall: 0.8125, k: 20, nprobe: 2, queries: 40, seed: 3)
        let measured = tmp.url.appendingPathComponent("measured"), old = tmp.url.appendingPathComponent("old")
        try IVFIndexFile.write(ivf, items: run.items, metadata: recall.metadata, to: measured)
        try IVFIndexFile.write(ivf, items: run.items, metadata: [:], to: old)
        let retriever = try Retriever.load(runDirectory: runDir, indexDirectory: measured)
        #expect(retriever.ivfRecall == recall)
        #expect(retriever.ivfRecall?.summary == "recall@20 0.8125 at nprobe 2 (40 users, seed 3)")
        #expect(try Retriever.load(runDirectory: runDir, indexDirectory: old).ivfRecall == nil)
        #expect(try Retriever.load(runDirectory: runDir, indexDirectory: nil).ivfRecall == nil)
        #expect(IndexRecall(metadata: ["recall": "1.5", "recall_k": "1", "recall_nprobe": "1", "recall_queries": "1", "recall_seed": "1"]) == nil)
    }

    /// The nprobe values tried when the default's recall is too low: doubling up to every list.
    @Test func largerProbesDoubleUpToEveryList() {
        #expect(IndexRecall.largerProbes(than: 4, lists: 32) == [8, 16, 32])
        #expect(IndexRecall.largerProbes(than: 5, lists: 32) == [10, 20, 32])
        #expect(IndexRecall.largerProbes(than: 32, lists: 32) == [])
    }
}
