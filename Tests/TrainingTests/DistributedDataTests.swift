import Testing
import Foundation
import NumCore
import Datasets
import Models
import Runs
import Collectives
import TestSupport
@testable import Training

/// Distributed runs on sharded data: each rank maps its users' shards only, and the run is
/// the one every rank would make reading the whole data.
@Suite struct DistributedDataTests {
    static func shardedConfig(_ tmp: TempDir, shards: Int = 4) throws -> RunConfig {
        let dir = tmp.file("sharded")
        if !FileManager.default.fileExists(atPath: dir.path) { _ = try ShardWriter.write(tinyDataset(), shards: shards, to: dir) }
        var c = DistributedRunTests.config(data: dir, epochs: 2)
        c.data.format = .sharded
        return c
    }

    @Test func eachRankMapsItsPartAndTheRunIsTheWholeDatas() throws {
        let tmp = TempDir()
        let c = try Self.shardedConfig(tmp)
        let one = try DistributedRunTests.run(c, in: tmp.file("p1"), ranks: 1)
        var whole = c
        whole.data.kCore = 1   // a filter: every rank reads the whole data
        let reference = try DistributedRunTests.run(whole, in: tmp.file("w2"), ranks: 2)
        #expect(DistributedRunTests.untimed(one) == DistributedRunTests.untimed(reference))
        #expect(try DistributedRunTests.modelRows(tmp.file("p1")) == DistributedRunTests.modelRows(tmp.file("w2")))
        for ranks in [2, 4] {
            let log = try DistributedRunTests.run(c, in: tmp.file("p\(ranks)"), ranks: ranks)
            #expect(DistributedRunTests.untimed(log) == DistributedRunTests.untimed(one), "\(ranks) ranks")
            #expect(try DistributedRunTests.modelRows(tmp.file("p\(ranks)")) == DistributedRunTests.modelRows(tmp.file("p1")))
            #expect(log.info["train_interactions"] == String(tinyDataset().train.count))
            #expect(log.info["peak_rss_bytes_per_rank"]?.split(separator: ",").count == ranks)
        }
        // The model file records the whole data's fingerprint: evaluate and serve accept it.
        let (_, header) = try Checkpoint.load(from: tmp.file("p4").appendingPathComponent(RunFiles.checkpoint))
        let loaded = try DatasetLoader.load(path: c.data.path, options: LoadOptions(format: .sharded))
        #expect(header.metadata[RunProvenance.dataKey] == loaded.fingerprint)
    }

    @Test func esansWithAnMSACFitTrainsOnEachRanksPart() throws {
        // The fit beside the semantic IDs records a data fingerprint, which the sampler
        // compares with the whole data's (a rank's part has none of its own).
        let tmp = TempDir()
        var c = try ClusterRefreshTests.setUp(tmp)
        c.training.refreshClusters = 0
        c.training.esans = .paperDraws
        c.training.virtualShards = 4
        c.training.epochs = 2
        c.training.evalEvery = 2
        let whole = try DistributedRunTests.run(c, in: tmp.file("lightgcn"), ranks: 1)
        let sharded = tmp.file("sharded")
        _ = try ShardWriter.write(try DatasetLoader.load(path: c.data.path, options: LoadOptions(format: .lightgcn)), shards: 4, to: sharded)
        c.data = RunConfig.DataSource(path: sharded.path)
        c.data.format = .sharded
        for ranks in [1, 2] {
            let log = try DistributedRunTests.run(c, in: tmp.file("p\(ranks)"), ranks: ranks)
            #expect(DistributedRunTests.untimed(log) == DistributedRunTests.untimed(whole), "\(ranks) ranks")
            #expect(try DistributedRunTests.modelRows(tmp.file("p\(ranks)")) == DistributedRunTests.modelRows(tmp.file("lightgcn")))
        }
    }

    @Test func aSampleOfUsersIsEvaluatedTheSameOnAnyRankCount() throws {
        let tmp = TempDir()
        var c = try Self.shardedConfig(tmp)
        c.training.evalUsers = 25
        let one = try DistributedRunTests.run(c, in: tmp.file("s1"), ranks: 1)
        let two = try DistributedRunTests.run(c, in: tmp.file("s2"), ranks: 2)
        #expect(one.info["eval_users"] == "25")
        #expect(DistributedRunTests.untimed(one) == DistributedRunTests.untimed(two))
        let all = try DistributedRunTests.run(try Self.shardedConfig(tmp), in: tmp.file("a1"), ranks: 1)
        #expect(one.final?["recall@10"] != all.final?["recall@10"], "25 of 60 users are not all of them")
        let sample = DistributedData.evaluationUsers(c.training, numUsers: 60)!
        #expect(sample.count == 25 && sample == sample.sorted() && Set(sample).count == 25)
    }

    @Test func theGatheredVectorsAreTheModelsOwn() {
        let c = DistributedTrainerTests.config()
        let dataset = tinyDataset()
        let same = LocalCommunicator.run(ranks: 2) { comm in
            let trainer = DistributedTrainer(dataset: dataset, config: c, sampler: DistributedTrainerTests.sampler(c, dataset), comm: comm, shardCount: 4)
            _ = trainer.trainEpoch(1)
            let (u, v) = trainer.gatherVectors()
            let model = trainer.gatherModel()
            let mu = TwoTowerModel.encodeAll(model.userTower, count: dataset.numUsers)
            let mv = TwoTowerModel.encodeAll(model.itemTower, count: dataset.numItems)
            return u.array == mu.array && v.array == mv.array
        }
        #expect(same == [true, true])
    }
}
