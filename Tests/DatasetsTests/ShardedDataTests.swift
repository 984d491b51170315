import Foundation
import Testing
import NumCore
import TestSupport
@testable import Datasets

/// Small inputs in every format the converter reads, written in code.
enum ShardFixtures {
    /// A LightGCN directory: 9 users (user 4 has no line, user 8 only a test line), 12 items.
    static func lightGCN(_ tmp: TempDir) -> String {
        tmp.write("lg/train.txt", "0 1 2 3\n1 0 5 7 11\n2 3\n3 4 5 6 8\n5 9 10 2\n6 1\n7 0 11\n")
        tmp.write("lg/test.txt", "0 4\n1 2\n3 9\n5 1\n7 3\n8 2\n")
        return tmp.url.appendingPathComponent("lg").path
    }

    /// A CSV log with string ids and timestamps: 11 users, 9 items, rows interleaved in file order.
    static func csv(_ tmp: TempDir) -> String {
        var rows = ["user,item,timestamp"]
        for k in 0..<80 {
            let u = (k * 7) % 11, i = (k * 5 + k / 11) % 9
            rows.append("u\(u),item-\(i),\(1000 + (k * 37) % 50)")
        }
        return tmp.write("log.csv", rows.joined(separator: "\n") + "\n")
    }
}

@Suite struct ShardedDataTests {
    /// The data sets the round trip covers: LightGCN, RecBole (with items without training),
    /// CSV split by time with validation carved, and a tiny set with fewer users than shards.
    static func sources(_ tmp: TempDir) throws -> [(String, LoadOptions)] {
        let rb = try RecBoleFixture(parent: tmp.url, name: "rb", users: 12)
        return [
            (ShardFixtures.lightGCN(tmp), LoadOptions(format: .lightgcn)),
            (rb.directory.path, LoadOptions(format: .recbole, split: .ratioByTime(0.8))),
            (ShardFixtures.csv(tmp), LoadOptions(format: .csv, dedupe: true, validationFraction: 0.3)),
            (tmp.write("tiny.tsv", "user\titem\na\tx\na\ty\nb\tx\nb\ty\nb\tz\n"), LoadOptions(format: .tsv, split: .randomRatio(0.5))),
        ]
    }

    static func expectSame(_ a: Dataset, _ b: Dataset, _ label: String) {
        #expect(a.users == b.users, "\(label): user ids")
        #expect(a.items == b.items, "\(label): item ids")
        #expect(a.train == b.train, "\(label): train")
        #expect(a.test == b.test, "\(label): test")
        #expect(a.validation == b.validation, "\(label): validation")
        #expect(a.itemsWithoutTraining == b.itemsWithoutTraining, "\(label): items without training")
        #expect(a.name == b.name, "\(label): name")
        #expect(a.fingerprint == b.fingerprint, "\(label): fingerprint")
    }

    @Test(arguments: [1, 3, 7])
    func loadShardLoadGivesTheSameDataset(shards: Int) throws {
        let tmp = TempDir()
        for (k, (path, options)) in try Self.sources(tmp).enumerated() {
            let original = try DatasetLoader.load(path: path, options: options)
            let out = tmp.url.appendingPathComponent("shards-\(k)-\(shards)")
            let manifest = try ShardWriter.write(original, shards: shards, to: out)
            #expect(manifest.numShards == shards && manifest.shards.count == shards)
            #expect(DataFormat.detect(path: out.path) == .sharded)
            let back = try DatasetLoader.load(path: out.path)
            Self.expectSame(original, back, "\(path) in \(shards) shards")
            #expect(back.notes.last?.contains("memory-mapped shard") == true, "\(back.notes)")
            // Nothing but the finished directory is left beside it.
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: tmp.path).filter { $0.hasPrefix(".") }
            #expect(leftovers.isEmpty, "\(leftovers)")
        }
    }

    /// A rank maps only its shards; their rows are the users the rule deals it, with every
    /// interaction of those users and the right roles.
    @Test func aShardHoldsItsUsersRows() throws {
        let tmp = TempDir()
        let d = try DatasetLoader.load(path: ShardFixtures.lightGCN(tmp), options: LoadOptions(format: .lightgcn))
        let out = tmp.url.appendingPathComponent("s")
        try ShardWriter.write(d, shards: 3, to: out)
        let dir = try ShardedDirectory(path: out.path)
        #expect(ShardManifest.shards(ownedByRank: 1, of: 2, numShards: 3) == [1])
        #expect(ShardManifest.shards(ownedByRank: 0, of: 2, numShards: 3) == [0, 2])
        let shard = try dir.shard(1, verifyChecksums: true)
        #expect(shard.rows == 3)  // users 1, 4, 7 of 9
        var seen = 0
        for r in 0..<shard.rows {
            let u = shard.user(atRow: r)
            #expect(u % 3 == 1)
            let items = Array(shard.items(atRow: r))
            let roles = Array(shard.roles![Int(shard.indptr[r])..<Int(shard.indptr[r + 1])])
            let train = zip(items, roles).filter { $0.1 == 0 }.map(\.0)
            let test = zip(items, roles).filter { $0.1 == 1 }.map(\.0)
            #expect(train == Array(d.train.items(of: u)), "user \(u)")
            #expect(test == Array(d.test.items(of: u)), "user \(u)")
            #expect(items == items.sorted())
            seen += items.count
        }
        #expect(seen == shard.nnz && shard.nnz > 0)
        #expect(try dir.userIDs() == d.users && dir.itemIDs() == d.items)
        #expect(throws: DataError.self) { try dir.shard(3) }
    }

    /// Opening some shards reads nothing of the others: with their files gone, a rank's shards
    /// still open, and the whole directory then fails naming the first missing file.
    @Test func aRankNeedsOnlyItsOwnShards() throws {
        let tmp = TempDir()
        let d = try DatasetLoader.load(path: ShardFixtures.csv(tmp), options: LoadOptions(format: .csv, dedupe: true))
        let out = tmp.url.appendingPathComponent("s")
        try ShardWriter.write(d, shards: 4, to: out)
        for s in [0, 2, 3] {
            for field in ["indptr", "indices", "role"] {
                try FileManager.default.removeItem(at: out.appendingPathComponent(String(format: "shard-%05d.%@.npy", s, field)))
            }
        }
        let dir = try ShardedDirectory(path: out.path)
        let mine = try dir.shards(ShardManifest.shards(ownedByRank: 1, of: 4, numShards: 4))
        #expect(mine.map(\.index) == [1])
        let users = (0..<mine[0].rows).map { mine[0].user(atRow: $0) }
        #expect(users == Array(stride(from: 1, to: d.numUsers, by: 4)))
        #expect(mine[0].nnz == users.reduce(0) { $0 + d.train.degree(of: $1) + d.test.degree(of: $1) })
        let error = try #require(throws: DataError.self) { try DatasetLoader.load(path: out.path) }
        #expect(error.file == "shard-00000.indptr.npy" && error.description.contains("cannot open"), "\(error)")
    }

    @Test func anExistingOutputIsRefusedUnlessReplaced() throws {
        let tmp = TempDir()
        let d = try DatasetLoader.load(path: ShardFixtures.lightGCN(tmp), options: LoadOptions(format: .lightgcn))
        let out = tmp.url.appendingPathComponent("s")
        try ShardWriter.write(d, shards: 2, to: out)
        #expect(throws: DataError.self) { try ShardWriter.write(d, shards: 5, to: out) }
        #expect(try ShardedDirectory(path: out.path).manifest.numShards == 2)
        try ShardWriter.write(d, shards: 5, to: out, replace: true)
        #expect(try ShardedDirectory(path: out.path).manifest.numShards == 5)
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path).filter { $0.hasPrefix(".") }.isEmpty)
    }

    @Test func anIDWithALineBreakIsRefusedAndNothingIsLeft() throws {
        let tmp = TempDir()
        let d = try DatasetLoader.load(path: tmp.write("q.csv", "user,item\n\"a\nb\",x\na,x\na,y\n"), options: LoadOptions(format: .csv, split: .randomRatio(0.5)))
        let out = tmp.url.appendingPathComponent("s")
        let error = try #require(throws: DataError.self) { try ShardWriter.write(d, shards: 2, to: out) }
        #expect(error.file == "user_ids.txt" && error.description.contains("line break"), "\(error)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path).sorted() == ["q.csv"])
    }
}
