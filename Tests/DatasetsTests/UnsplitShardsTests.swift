import Foundation
import Testing
import NumCore
import TestSupport
@testable import Datasets

/// Shards without `role` arrays, laid out as `scripts/parquet_to_shards.py` writes them (ids
/// numbered in first-seen order, each row in the source's order, timestamps kept), load like
/// the CSV file of the same rows under every split.
@Suite struct UnsplitShardsTests {
    /// Writes `records` (user, item, time) as unsplit shards, numbering ids as the script does.
    static func writeUnsplit(_ records: [(String, String, Int64)], shards S: Int, to dir: URL) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var users = IDMap(), items = IDMap()
        var rows: [[(Int32, Int64)]] = []
        for (u, i, t) in records {
            let user = users.intern(u), item = Int32(items.intern(i))
            if user == rows.count { rows.append([]) }
            rows[user].append((item, t))
        }
        func ids(_ map: IDMap, _ name: String) throws -> ShardManifest.FileEntry {
            try ShardWriter.writeFile(Data(map.externalIDs.map { $0 + "\n" }.joined().utf8), name: name, into: dir)
        }
        var entries: [ShardManifest.Shard] = []
        for s in 0..<S {
            var indptr: [Int64] = [0], indices: [Int32] = [], times: [Int64] = []
            for u in stride(from: s, to: users.count, by: S) {
                for (item, t) in rows[u] { indices.append(item); times.append(t) }
                indptr.append(Int64(indices.count))
            }
            let stem = "part\(s)"
            entries.append(ShardManifest.Shard(index: s, rows: indptr.count - 1, nnz: indices.count, files: [
                "indptr": try ShardWriter.writeArray(indptr, descr: "<i8", name: "\(stem)-indptr.npy", into: dir),
                "indices": try ShardWriter.writeArray(indices, descr: "<i4", name: "\(stem)-indices.npy", into: dir),
                "timestamps": try ShardWriter.writeArray(times, descr: "<i8", name: "\(stem)-timestamps.npy", into: dir),
            ]))
        }
        let m = ShardManifest(name: "log", numUsers: users.count, numItems: items.count, numInteractions: records.count,
                              numShards: S, rowOrder: "source", roleCodes: nil, hasTimestamps: true,
                              userIDs: try ids(users, "user_ids.txt"), itemIDs: try ids(items, "item_ids.txt"),
                              itemsWithoutTraining: [], notes: [], shards: entries)
        try JSONEncoder().encode(m).write(to: dir.appendingPathComponent(ShardManifest.fileName))
    }

    /// Interleaved users, repeated timestamps (ties go by row order), a duplicate pair.
    static let records: [(String, String, Int64)] = (0..<120).map { k in
        ("user\((k * 7) % 13)", "i\((k * 11 + k / 13) % 17)", Int64(500 + (k * 29) % 40))
    } + [("user3", "i4", 600), ("user3", "i4", 601)]

    @Test(arguments: ["time:0.8", "loo", "random:0.7"])
    func unsplitShardsLoadLikeTheCSV(split: String) throws {
        let tmp = TempDir()
        let csv = tmp.write("log.csv", "user,item,timestamp\n" + Self.records.map { "\($0.0),\($0.1),\($0.2)\n" }.joined())
        let options = LoadOptions(split: try Split.named(split), dedupe: true, seed: 5, kCore: 2)
        let expected = try DatasetLoader.load(path: csv, options: options)
        for S in [1, 4] {
            let dir = tmp.url.appendingPathComponent("shards\(S)")
            try Self.writeUnsplit(Self.records, shards: S, to: dir)
            let got = try DatasetLoader.load(path: dir.path, options: options)
            #expect(got.users == expected.users && got.items == expected.items, "\(split), \(S) shards: ids")
            #expect(got.train == expected.train && got.test == expected.test, "\(split), \(S) shards: pairs")
            #expect(got.filters == expected.filters, "\(split), \(S) shards")
        }
    }

    @Test func unsplitShardsNeedASplitThatIsNotGiven() throws {
        let tmp = TempDir()
        let dir = tmp.url.appendingPathComponent("s")
        try Self.writeUnsplit(Self.records, shards: 2, to: dir)
        let error = try #require(throws: DataError.self) { try DatasetLoader.load(path: dir.path, options: LoadOptions(split: .givenFiles)) }
        #expect(error.description.contains("no split"), "\(error)")
        // Without a split asked for, the default is by time, 80/20.
        let d = try DatasetLoader.load(path: dir.path, options: LoadOptions(dedupe: true))
        #expect(d.notes.contains { $0.hasPrefix("split time:0.8") }, "\(d.notes)")
    }

    /// A split data set re-split on load pools its roles; a k-core applies to the split as written.
    @Test func splitShardsCanBeSplitAgainOrFiltered() throws {
        let tmp = TempDir()
        let d = try DatasetLoader.load(path: ShardFixtures.lightGCN(tmp), options: LoadOptions(format: .lightgcn))
        let out = tmp.url.appendingPathComponent("s")
        try ShardWriter.write(d, shards: 2, to: out)
        let resplit = try DatasetLoader.load(path: out.path, options: LoadOptions(split: .randomRatio(0.5), seed: 3))
        #expect(resplit.notes.contains("the shards' split was pooled and split again with random:0.5"), "\(resplit.notes)")
        #expect(resplit.train != d.train && resplit.train.count + resplit.test.count > 0)
        let cored = try DatasetLoader.load(path: out.path, options: LoadOptions(kCore: 2))
        #expect(cored.filters.count == 1 && cored.filters[0].interactionsRemoved > 0)
        #expect(cored.numUsers < d.numUsers)
        let unfiltered = try DatasetLoader.load(path: out.path, options: LoadOptions(kCore: 1))
        #expect(unfiltered.train == d.train && unfiltered.test == d.test && unfiltered.users == d.users)
        #expect(throws: DataError.self) { try DatasetLoader.load(path: out.path, options: LoadOptions(minRating: 3)) }
    }
}
