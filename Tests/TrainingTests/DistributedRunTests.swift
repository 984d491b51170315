import Testing
import Foundation
import NumCore
import Datasets
import Models
import Runs
import Collectives
import TestSupport
@testable import Training

/// Distributed runs in a directory on threads standing in for ranks: the same files whatever
/// the number of ranks, per-shard checkpoints that resume on another number of ranks.
@Suite struct DistributedRunTests {
    static func config(data: URL, epochs: Int) -> RunConfig {
        var c = DistributedTrainerTests.config()
        c.data = RunConfig.DataSource(path: data.path)
        c.data.format = .lightgcn
        c.training.epochs = epochs
        c.training.evalEvery = 2
        c.training.cutoffs = [5, 10]
        c.training.virtualShards = 4
        return c
    }

    /// Runs `config` in `dir` on `ranks` ranks and returns rank 0's log.
    static func run(_ config: RunConfig, in dir: URL, ranks: Int, resume: Bool = false, stopAfter: Int? = nil) throws -> MetricsLog {
        let logs = LocalCommunicator.run(ranks: ranks) { comm in
            Result {
                let run = DistributedRun(directory: dir, config: config, comm: comm)
                run.stopAfterEpoch = stopAfter
                return try run.run(resume: resume)
            }
        }
        return try logs[0].get()
    }

    /// The log without timings and traffic (the rest must match across rank counts).
    static func untimed(_ log: MetricsLog) -> [[String: Double]] {
        (log.epochs + [log.final ?? [:]]).map { $0.filter { !$0.key.contains("seconds") && !$0.key.hasPrefix("bytes_") && !$0.key.hasPrefix("peak_rss") } }
    }

    static func modelRows(_ dir: URL) throws -> [Float] {
        let (model, _) = try Checkpoint.load(from: dir.appendingPathComponent(RunFiles.checkpoint))
        return model.userTower.embedding!.table.value.array + model.itemTower.embedding!.table.value.array
    }

    @Test func sameFilesOnOneTwoAndFourRanks() throws {
        let tmp = TempDir()
        try writeLightGCN(tinyDataset(), to: tmp.file("data"))
        let c = Self.config(data: tmp.file("data"), epochs: 3)
        let one = try Self.run(c, in: tmp.file("r1"), ranks: 1)
        #expect(one.final?["recall@10"] != nil)
        #expect(one.epochs.allSatisfy { ($0["bytes_moved"] ?? -1) == 0 }, "one rank sends nothing")
        for ranks in [2, 4] {
            let dir = tmp.file("r\(ranks)")
            let log = try Self.run(c, in: dir, ranks: ranks)
            #expect(Self.untimed(log) == Self.untimed(one), "metrics on \(ranks) ranks")
            let rows = try Self.modelRows(dir), oneRows = try Self.modelRows(tmp.file("r1"))
            #expect(rows == oneRows)
            #expect(log.epochs.allSatisfy { ($0["bytes_moved"] ?? 0) > 0 })
            let read = try MetricsLog.read(from: dir.appendingPathComponent(RunFiles.metrics))
            #expect(read.info["ranks"] == String(ranks))
        }
        // What a single-process run leaves for evaluate/export/serve.
        for name in [RunFiles.config, RunFiles.metrics, RunFiles.checkpoint, RunFiles.perUserTest, "embeddings/item_embeddings.npy"] {
            #expect(FileManager.default.fileExists(atPath: tmp.file("r1").appendingPathComponent(name).path), "\(name)")
        }
        let saved = try RunConfig.read(from: tmp.file("r1").appendingPathComponent(RunFiles.config))
        #expect(saved.training.virtualShards == 4)
    }

    @Test func resumesOnAnotherRankCountAfterAnInterruptedEpoch() throws {
        let tmp = TempDir()
        try writeLightGCN(tinyDataset(), to: tmp.file("data"))
        let full = Self.config(data: tmp.file("data"), epochs: 4)
        let reference = try Self.run(full, in: tmp.file("ref"), ranks: 4)

        // Two epochs on 2 ranks, then a "kill" in epoch 3: two shard files of epoch 3
        // written, one of them torn, no manifest.
        let dir = tmp.file("run")
        _ = try Self.run(full, in: dir, ranks: 2, stopAfter: 2)
        let shards = dir.appendingPathComponent(ShardCheckpoint.folder)
        try Data("torn".utf8).write(to: shards.appendingPathComponent(ShardCheckpoint.fileName(epoch: 3, shard: 0)))
        try FileManager.default.copyItem(at: shards.appendingPathComponent(ShardCheckpoint.fileName(epoch: 2, shard: 1)),
                                         to: shards.appendingPathComponent(ShardCheckpoint.fileName(epoch: 3, shard: 1)))
        let manifest = try #require(try ShardCheckpoint.readManifest(run: dir))
        #expect(manifest.epoch == 2 && manifest.ranks == 2)

        let resumed = try Self.run(full, in: dir, ranks: 4, resume: true)
        #expect(Self.untimed(resumed) == Self.untimed(reference))
        let rows = try Self.modelRows(dir), referenceRows = try Self.modelRows(tmp.file("ref"))
        #expect(rows == referenceRows)
        // Only the last epoch's shard files are kept.
        let left = try FileManager.default.contentsOfDirectory(atPath: shards.path).filter { $0.hasSuffix(".safetensors") }
        #expect(Set(left) == Set((0..<4).map { ShardCheckpoint.fileName(epoch: 4, shard: $0) }))
    }

    @Test func refusesAShardCountTheRanksDoNotDivide() throws {
        let tmp = TempDir()
        try writeLightGCN(tinyDataset(), to: tmp.file("data"))
        var c = Self.config(data: tmp.file("data"), epochs: 1)
        c.training.virtualShards = 6
        #expect(throws: DistributedRunError.self) { _ = try Self.run(c, in: tmp.file("r"), ranks: 4) }
    }
}
