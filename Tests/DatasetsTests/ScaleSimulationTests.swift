import Foundation
import Testing
import NumCore
import TestSupport
@testable import Datasets

/// `ScaleSimulation`: determinism shard by shard, the layout it writes, and the structure it plants.
@Suite struct ScaleSimulationTests {
    static let config = ScaleSimulation.Config(users: 3000, items: 5000, interactions: 60000, clusters: 10, seed: 7, testShare: 0.2)

    /// Every file of a directory by name.
    static func files(_ dir: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            out[name] = try Data(contentsOf: dir.appendingPathComponent(name))
        }
        return out
    }

    @Test func theSameConfigurationGivesIdenticalFilesAndShardsCanBeGeneratedAlone() throws {
        let tmp = TempDir()
        let a = tmp.file("a"), b = tmp.file("b"), other = tmp.file("other")
        try ScaleSimulation(Self.config).write(shards: 3, to: a)
        try ScaleSimulation(Self.config).write(shards: 3, to: b)
        let filesA = try Self.files(a)
        #expect(filesA.count == 2 + 1 + 3 * 3, "\(filesA.keys.sorted())")
        #expect(filesA == (try Self.files(b)))
        var seeded = Self.config
        seeded.seed = 8
        try ScaleSimulation(seeded).write(shards: 3, to: other)
        #expect(filesA["shard-00001.indices.npy"] != (try Self.files(other))["shard-00001.indices.npy"])

        // Shard 2 generated alone (by a fresh generator, after shard 1, before shard 0) equals shard 2 of the full run.
        let alone = ScaleSimulation(Self.config)
        _ = alone.shardArrays(1, of: 3)
        let two = alone.shardArrays(2, of: 3)
        #expect(NPY.bytes(of: two.indptr, descr: "<i8") == filesA["shard-00002.indptr.npy"])
        #expect(NPY.bytes(of: two.indices, descr: "<i4") == filesA["shard-00002.indices.npy"])
        #expect(NPY.bytes(of: two.roles, descr: "|i1") == filesA["shard-00002.role.npy"])
        // A user's row does not depend on the number of shards either.
        let one = alone.shardArrays(0, of: 1)
        for row in [0, 5, 17] {
            let u = 2 + row * 3
            let inThree = Array(two.indices[Int(two.indptr[row])..<Int(two.indptr[row + 1])])
            let inOne = Array(one.indices[Int(one.indptr[u])..<Int(one.indptr[u + 1])])
            #expect(inThree == inOne && !inOne.isEmpty, "user \(u)")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: tmp.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    /// Sizes: users and items exact, interactions within 10% of the target (its relative
    /// standard deviation here is about 2.5%), the test share within 0.02.
    @Test func theLayoutLoadsWithTheRequestedSizes() throws {
        let tmp = TempDir()
        let out = tmp.file("gen")
        let manifest = try ScaleSimulation(Self.config).write(shards: 4, to: out)
        let dir = try ShardedDirectory(path: out.path)
        #expect(dir.manifest == manifest)
        _ = try dir.shards(Array(0..<4), verifyChecksums: true)
        #expect(try dir.userIDs(verifyChecksum: true).count == 3000)
        let d = try DatasetLoader.load(path: out.path)
        #expect(d.numUsers == 3000 && d.numItems == 5000)
        let total = d.train.count + d.test.count
        #expect(total == manifest.numInteractions)
        #expect(abs(Double(total) / 60000 - 1) < 0.10, "\(total) interactions")
        let share = Double(d.test.count) / Double(total)
        #expect(abs(share - 0.2) < 0.02, "test share \(share)")
        var minimum = Int.max
        for u in 0..<d.numUsers {
            let train = d.train.items(of: u).map { $0 }, test = d.test.items(of: u).map { $0 }
            #expect(!train.isEmpty, "user \(u) has no train item")
            #expect(Set(train + test).count == train.count + test.count, "user \(u) has a repeated item")
            minimum = min(minimum, train.count + test.count)
        }
        #expect(minimum >= 2)
        #expect(d.items.externalIDs[4999] == "4999" && d.users.externalIDs[0] == "0")
    }

    /// Interactions per item over all shards.
    static func itemCounts(_ g: ScaleSimulation, shards: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: g.config.items)
        for s in 0..<shards { for item in g.shardArrays(s, of: shards).indices { counts[Int(item)] += 1 } }
        return counts
    }

    @Test func popularityIsSkewed() {
        let g = ScaleSimulation(Self.config)
        let counts = Self.itemCounts(g, shards: 2)
        let sorted = counts.sorted(by: >)
        let total = counts.reduce(0, +)
        // The top 1% of 5000 items: 1% of the interactions if uniform; about 23% here (the distinct
        // items per user and the clusters flatten the head of the Zipf law's 46%).
        let top = sorted.prefix(50).reduce(0, +)
        #expect(Double(top) / Double(total) > 0.15, "top 1% hold \(top) of \(total)")
        let bottomHalf = sorted.suffix(2500).reduce(0, +)
        #expect(Double(bottomHalf) / Double(total) < 0.25, "the bottom half hold \(bottomHalf) of \(total)")
        // And the most popular items are the permutation's first ranks.
        #expect(Set(sorted.prefix(10)) == Set(g.itemOfRank.prefix(10).map { counts[Int($0)] }))
    }

    @Test func usersConcentrateOnTheirPlantedClusters() {
        let g = ScaleSimulation(Self.config)
        var rank = [Int](repeating: 0, count: g.config.items)
        for (r, item) in g.itemOfRank.enumerated() { rank[Int(item)] = r }
        var inPreferred = 0, total = 0, singleHits = 0, singles = 0
        var seen = Set<Int32>()
        for u in 0..<g.config.users {
            let row = g.row(ofUser: u, seen: &seen)
            var perCluster = [Int](repeating: 0, count: g.config.clusters)
            for item in row.items { perCluster[g.cluster(ofRank: rank[Int(item)])] += 1 }
            inPreferred += row.clusters.reduce(0) { $0 + perCluster[$1] }
            total += row.items.count
            if row.clusters.count == 1 && row.items.count >= 10 {
                singles += 1
                if perCluster.firstIndex(of: perCluster.max()!) == row.clusters[0] { singleHits += 1 }
            }
        }
        // 80% of draws plus the global draws that land there; with 10 clusters a random user would have 10-20%.
        let share = Double(inPreferred) / Double(total)
        #expect(share > 0.75, "share in preferred clusters \(share)")
        #expect(Double(singleHits) / Double(max(singles, 1)) > 0.95, "\(singleHits) of \(singles)")
    }

    @Test func badConfigurationsAreNamed() {
        var c = Self.config
        c.interactions = 5999
        #expect(c.problem?.contains("at least 2 per user") == true)
        c = Self.config
        c.clusters = 5001
        #expect(c.problem?.contains("clusters") == true)
        c = Self.config
        c.testShare = 1
        #expect(c.problem?.contains("test share") == true)
        #expect(Self.config.problem == nil)
    }
}
