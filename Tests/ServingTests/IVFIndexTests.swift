import TestSupport
import Foundation
import Testing
import NumCore
@testable import Serving

@Suite struct IVFIndexTests {
    private func search(_ ivf: IVFIndex, _ q: [Float], k: Int, nprobe: Int, excluding: [Int32] = []) -> [Neighbor] {
        q.withUnsafeBufferPointer { qp in excluding.withUnsafeBufferPointer { ivf.search(qp, k: k, nprobe: nprobe, excluding: $0) } }
    }

    @Test func listsPartitionTheItemsAndAllListsIsExact() {
        let items = normalisedRows(500, 16, seed: 8)
        let ivf = IVFBuilder.fromKMeans(items: items, lists: 12, defaultProbes: 3)
        #expect(ivf.lists == 12 && ivf.count == 500)
        #expect(ivf.listItems.sorted() == Array(0..<500).map { Int32($0) })
        let a = ivf.assignments
        for l in 0..<12 { for p in ivf.listOffsets[l]..<ivf.listOffsets[l + 1] { #expect(a[Int(ivf.listItems[p])] == Int32(l)) } }
        for s in 0..<5 {
            let q = normalisedRows(1, 16, seed: 200 + UInt64(s)).rowArray(0)
            let ex: [Int32] = [bruteForce(items, q, k: 1)[0].0, 42]
            let got = search(ivf, q, k: 25, nprobe: 12, excluding: ex)
            let want = bruteForce(items, q, k: 25, excluding: Set(ex))
            #expect(Set(got.map(\.item)) == Set(want.map(\.0)))
            #expect(!got.contains { ex.contains($0.item) })
            #expect(zip(got, got.dropFirst()).allSatisfy { $0.score >= $1.score })
        }
    }

    @Test func fewerProbesScanOnlyTheNearestLists() {
        let items = normalisedRows(400, 8, seed: 9)
        let ivf = IVFBuilder.fromKMeans(items: items, lists: 10, defaultProbes: 1)
        let q = normalisedRows(1, 8, seed: 10).rowArray(0)
        // The list whose centroid scores highest is the only one scanned with nprobe 1.
        var best = 0
        var bestScore = -Float.infinity
        for l in 0..<10 {
            var s: Float = 0
            for j in 0..<8 { s += q[j] * ivf.centroids[l, j] }
            if s > bestScore { bestScore = s; best = l }
        }
        let members = Set(ivf.listItems[ivf.listOffsets[best]..<ivf.listOffsets[best + 1]])
        let got = search(ivf, q, k: 1000, nprobe: 1)
        #expect(Set(got.map(\.item)) == members)
    }

    @Test func batchEqualsSingleAndRecallGrowsWithProbes() {
        let items = normalisedRows(800, 16, seed: 11)
        let ivf = IVFBuilder.fromKMeans(items: items, lists: 16, defaultProbes: 2)
        let queries = normalisedRows(40, 16, seed: 12)
        let batch = ivf.searchBatch(queries, k: 10, nprobe: 3, excluding: { [Int32($0)] })
        for i in 0..<40 {
            let single = search(ivf, queries.rowArray(i), k: 10, nprobe: 3, excluding: [Int32(i)])
            #expect(Array(batch[(i * 10)..<((i + 1) * 10)]) == single.map(\.item), "query \(i)")
        }
        let e = IndexEvaluation.run(exact: ExactIndex(items: items), ivf: ivf, queries: queries, k: 10, probes: [1, 2, 4, 8, 16],
                                    latencyQueries: 5, repeats: 1, excluding: { _ in [] })
        let recalls = e.points.dropFirst().map(\.recall)
        #expect(e.points.first?.method == "exact" && recalls.count == 5)
        #expect(zip(recalls, recalls.dropFirst()).allSatisfy { $0 <= $1 + 1e-12 })
        #expect(abs(recalls.last! - 1) < 1e-12)
        #expect(recalls.first! < 1)
        let svg = RecallQPSChart.svg(e, title: "t")
        #expect(svg.hasPrefix("<svg") && svg.contains("nprobe 16") && svg.contains("exact"))
        #expect(e.markdown.split(separator: "\n").count == 2 + 6)
    }

    @Test func fileRoundTripsAndRefusesOtherVectors() throws {
        let tmp = TempDir()
        let items = normalisedRows(300, 8, seed: 13)
        let ivf = IVFBuilder.fromKMeans(items: items, lists: 7, defaultProbes: 4)
        try IVFIndexFile.write(ivf, items: items, metadata: ["source": "kmeans"], to: tmp.url)
        let (back, meta) = try IVFIndexFile.read(from: tmp.url, items: items)
        #expect(back.listOffsets == ivf.listOffsets && back.listItems == ivf.listItems && back.defaultProbes == 4)
        #expect(back.centroids.array == ivf.centroids.array)
        #expect(meta["source"] == "kmeans")
        let other = normalisedRows(300, 8, seed: 14)
        #expect(throws: ServingError.self) { try IVFIndexFile.read(from: tmp.url, items: other) }
        #expect(throws: ServingError.self) { try IVFIndexFile.read(from: tmp.file("missing"), items: items) }
    }
}
