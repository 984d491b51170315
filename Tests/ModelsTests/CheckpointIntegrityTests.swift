import TestSupport
import Foundation
import Testing
import NumCore
@testable import Models

/// Checkpoints carry checksums: a damaged or cut checkpoint is refused on load and restore,
/// naming the file; a checkpoint from before checksums still loads, marked unchecked.
@Suite struct CheckpointIntegrityTests {
    static func save(to url: URL) throws -> TwoTowerModel {
        var config = ModelConfig()
        config.dim = 4
        config.user = TowerConfig(history: true, historyMaxLength: 3)
        config.item = TowerConfig(hidden: [3])
        let model = TwoTowerModel(config: config, numUsers: 5, numItems: 7, seed: 77)
        let opt = AdamOptimizer(config: AdamOptimizer.Config())
        try Checkpoint.save(model: model, optimizer: opt, metadata: ["esans.epoch": "2"], extras: ["loss.tau": [0.5, 0.25]], to: url)
        return model
    }

    @Test func damagedCheckpointsAreRefused() throws {
        let tmp = TempDir()
        let url = tmp.file("model.safetensors")
        let model = try Self.save(to: url)
        let count = try Data(contentsOf: url).count
        // Header (every byte), metadata and tensor table included, then the payload sampled.
        let offsets = damageOffsets(count: count, dense: 1200, samples: 500)
        let lengths = damageOffsets(count: count, dense: 64, samples: 200)
        let missedLoad = try damagesNotRefused(url, damages(offsets: offsets, lengths: lengths), mention: url.path) {
            _ = try Checkpoint.load(from: url, optimizer: AdamOptimizer(config: AdamOptimizer.Config()))
        }
        #expect(missedLoad.isEmpty, "load: \(missedLoad.count) damaged files not refused: \(missedLoad.prefix(5).map { "\($0.0): \($0.1)" })")
        let missedRestore = try damagesNotRefused(url, damages(offsets: offsets.filter { $0 % 3 == 0 }, lengths: [count - 1, count / 2, 100]), mention: url.path) {
            try Checkpoint.restore(into: model, optimizer: nil, from: url)
        }
        #expect(missedRestore.isEmpty, "restore: \(missedRestore.prefix(5).map { "\($0.0): \($0.1)" })")
        // Undamaged again, it loads and says it was verified.
        #expect(try Checkpoint.load(from: url).header.checksummed)
    }

    @Test func checkpointsWithoutChecksumsStillLoad() throws {
        let tmp = TempDir()
        let url = tmp.file("model.safetensors")
        let model = try Self.save(to: url)
        try withoutChecksums(try Data(contentsOf: url)).write(to: url)
        let (loaded, header) = try Checkpoint.load(from: url)
        #expect(!header.checksummed)
        #expect(header.metadata["esans.epoch"] == "2")
        for (a, b) in zip(model.parameters, loaded.parameters) { #expect(bits(a.value) == bits(b.value), "\(a.name)") }
        let (_, extras) = try Checkpoint.restore(into: model, optimizer: AdamOptimizer(config: AdamOptimizer.Config()), from: url)
        #expect(extras["loss.tau"] == [0.5, 0.25])
    }
}
