import Foundation
import Testing
import TestSupport
@testable import Datasets

/// Every byte of a sharded directory's files damaged in turn (three bit masks) and every
/// truncation: nothing crashes; with checksums verified, every damage to an array or id file
/// is refused naming that file; the loader without checksums refuses or reads, never traps.
@Suite struct ShardedDamageTests {
    static func written(_ tmp: TempDir) throws -> URL {
        let d = try DatasetLoader.load(path: ShardFixtures.lightGCN(tmp), options: LoadOptions(format: .lightgcn))
        let out = tmp.url.appendingPathComponent("s")
        try ShardWriter.write(d, shards: 2, to: out)
        return out
    }

    @Test(arguments: ["shard-00001.indptr.npy", "shard-00001.indices.npy", "shard-00001.role.npy", "user_ids.txt", "item_ids.txt"])
    func everyDamageToAFileIsRefusedWithChecksums(file: String) throws {
        let tmp = TempDir()
        let dir = try Self.written(tmp)
        let url = dir.appendingPathComponent(file)
        let count = try Data(contentsOf: url).count
        let cases = damages(offsets: damageOffsets(count: count), lengths: [0, 5, count / 2, count - 1])
        let missed = try damagesNotRefused(url, cases, mention: file) {
            let sharded = try ShardedDirectory(path: dir.path)
            _ = try sharded.shards([0, 1], verifyChecksums: true)
            _ = try sharded.userIDs(verifyChecksum: true)
            _ = try sharded.itemIDs(verifyChecksum: true)
        }
        #expect(missed.isEmpty, "\(missed.prefix(5).map { "\($0.0): \($0.1)" })")
    }

    /// Without checksums a damaged file may load (an item index changed to another one), but
    /// whatever does not load is a DataError, and the manifest's damage is one too.
    @Test(arguments: ["manifest.json", "shard-00000.indptr.npy", "shard-00000.indices.npy", "shard-00000.role.npy"])
    func damageWithoutChecksumsNeverTraps(file: String) throws {
        let tmp = TempDir()
        let dir = try Self.written(tmp)
        let url = dir.appendingPathComponent(file)
        let count = try Data(contentsOf: url).count
        let offsets = file == "manifest.json" ? damageOffsets(count: count, dense: 0, samples: 300) : damageOffsets(count: count)
        var refused = 0
        let cases = damages(offsets: offsets, lengths: [0, count / 2, count - 1])
        let outcomes = try damagesNotRefused(url, cases, mention: "no such text") {
            do { _ = try DatasetLoader.load(path: dir.path) } catch let e as DataError {
                refused += 1
                throw e
            }
        }
        // Every outcome comes back (the mention is never in a message): each is a DataError or a read.
        let read = outcomes.filter { if case .accepted = $0.1 { return true } else { return false } }.count
        #expect(outcomes.count == cases.count)
        let others = outcomes.filter { if case .refused = $0.1 { return true } else { return false } }.prefix(3).map { "\($0.1)" }
        #expect(refused + read == cases.count, "\(refused) refused, \(read) read, of \(cases.count): \(others)")
        #expect(refused > 0)
    }
}
