import Foundation
import Testing
import NumCore
import TestSupport
@testable import Datasets

/// A rank's part of a sharded directory, and the fingerprint streamed over its shards.
@Suite struct ShardedPartTests {
    @Test func theStreamedFingerprintIsTheWholeDatasFingerprint() throws {
        let tmp = TempDir()
        for (path, options) in try ShardedDataTests.sources(tmp) {
            let written = try DatasetLoader.load(path: path, options: options)
            for shards in [1, 3] {
                let dir = tmp.file("fp-\(UUID().uuidString)")
                _ = try ShardWriter.write(written, shards: shards, to: dir)
                let whole = try DatasetLoader.load(path: dir.path, options: LoadOptions(format: .sharded))
                #expect(try ShardedDirectory(path: dir.path).fingerprint() == whole.fingerprint, "\(path), \(shards) shards")
            }
        }
        // Another split of the same log has another fingerprint: the check can fail.
        let a = tmp.file("a"), b = tmp.file("b")
        let csv = ShardFixtures.csv(tmp)
        _ = try ShardWriter.write(try DatasetLoader.load(path: csv, options: LoadOptions(format: .csv, split: .randomRatio(0.5), dedupe: true, seed: 1)), shards: 2, to: a)
        _ = try ShardWriter.write(try DatasetLoader.load(path: csv, options: LoadOptions(format: .csv, split: .randomRatio(0.5), dedupe: true, seed: 2)), shards: 2, to: b)
        #expect(try ShardedDirectory(path: a.path).fingerprint() != ShardedDirectory(path: b.path).fingerprint())
    }

    @Test func thePartsHoldEachUserOnceAndTogetherTheWhole() throws {
        let tmp = TempDir()
        let source = try DatasetLoader.load(path: ShardFixtures.csv(tmp), options: LoadOptions(format: .csv, dedupe: true, validationFraction: 0.3))
        let dir = tmp.file("parts")
        _ = try ShardWriter.write(source, shards: 4, to: dir)
        let whole = try DatasetLoader.load(path: dir.path, options: LoadOptions(format: .sharded))
        for parts in [1, 2, 4] {
            let loaded = try (0..<parts).map { try DatasetLoader.loadUserPart(path: dir.path, options: LoadOptions(format: .sharded), parts: parts, part: $0) }
            for (p, part) in loaded.enumerated() {
                #expect(part.loadedShards?.shards == Array(stride(from: p, to: 4, by: parts)))
                #expect(part.users == whole.users && part.items == whole.items)
                for u in 0..<whole.numUsers {
                    let mine = u % parts == p
                    for (a, b) in [(part.train, whole.train), (part.test, whole.test), (part.validation!, whole.validation!)] {
                        #expect(Array(a.items(of: u)) == (mine ? Array(b.items(of: u)) : []), "user \(u), part \(p) of \(parts)")
                    }
                }
            }
            #expect(loaded.map(\.train.count).reduce(0, +) == whole.train.count)
        }
    }

    @Test func dataThatCannotBeSplitByUserIsRefusedWithTheReason() throws {
        let tmp = TempDir()
        let dir = tmp.file("three")
        _ = try ShardWriter.write(try DatasetLoader.load(path: ShardFixtures.lightGCN(tmp), options: LoadOptions(format: .lightgcn)), shards: 3, to: dir)
        #expect(DatasetLoader.userPartProblem(path: dir.path, options: LoadOptions(format: .sharded), parts: 3) == nil)
        #expect(DatasetLoader.userPartProblem(path: dir.path, options: LoadOptions(format: .sharded), parts: 2)?.contains("do not divide") == true)
        #expect(DatasetLoader.userPartProblem(path: dir.path, options: LoadOptions(format: .sharded, kCore: 2), parts: 1) != nil)
        #expect(DatasetLoader.userPartProblem(path: ShardFixtures.lightGCN(tmp), options: LoadOptions(format: .lightgcn), parts: 1) != nil)
        #expect(throws: DataError.self) { try DatasetLoader.loadUserPart(path: dir.path, options: LoadOptions(format: .sharded), parts: 2, part: 0) }
    }
}
