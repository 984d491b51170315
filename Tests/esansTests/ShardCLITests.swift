import Foundation
import Testing
import TestSupport

/// `esans data shard`, and every command reading its output through `--data DIR`.
@Suite(.serialized) struct ShardCLITests {
    /// A LightGCN directory of 9 users and 12 items.
    static func lightGCN(_ tmp: TempDir) -> String {
        tmp.write("lg/train.txt", "0 1 2 3\n1 0 5 7 11\n2 3\n3 4 5 6 8\n4 2 9\n5 9 10 2\n6 1\n7 0 11\n8 1 2 3\n")
        tmp.write("lg/test.txt", "0 4\n1 2\n3 9\n5 1\n7 3\n8 4\n")
        return tmp.url.appendingPathComponent("lg").path
    }

    /// The statistics part of `data info` (before the notes and the memory estimate).
    static func statistics(_ out: String) -> String {
        out.components(separatedBy: "\nnotes:")[0].components(separatedBy: "\n\nmemory:")[0]
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func shardThenInfoGivesTheSameStatistics() throws {
        let tmp = TempDir()
        let lg = Self.lightGCN(tmp)
        let out = tmp.file("shards").path
        let shard = try CLI.run(["data", "shard", "--data", lg, "--format", "lightgcn", "--shards", "4", "--output", out])
        #expect(shard.code == 0, "\(shard.err)")
        #expect(shard.out.contains("4 shards (user % 4) of 9 users, 12 items, 29 interactions (23 train, 6 test)"), "\(shard.out)")
        let original = try CLI.run(["data", "info", "--data", lg])
        let sharded = try CLI.run(["data", "info", "--data", out])
        #expect(original.code == 0 && sharded.code == 0, "\(sharded.err)")
        #expect(Self.statistics(original.out) == Self.statistics(sharded.out), "\(sharded.out)")
        #expect(sharded.out.contains("read 4 memory-mapped shards"), "\(sharded.out)")
        // `--format sharded` names it explicitly too.
        #expect(try CLI.run(["data", "info", "--data", out, "--format", "sharded"]).code == 0)
    }

    @Test func shardHasHelp() throws {
        let (code, out, _) = try CLI.run(["data", "shard", "--help"])
        #expect(code == 0 && out.contains("USAGE:") && out.contains("--shards") && out.contains("u % S"), "\(out)")
    }

    @Test func badValuesAreRefusedWithTheUsage() throws {
        let tmp = TempDir()
        let lg = Self.lightGCN(tmp)
        let out = tmp.file("shards").path
        let zero = try CLI.run(["data", "shard", "--data", lg, "--shards", "0", "--output", out])
        #expect(zero.code == 64 && zero.err.contains("--shards") && zero.err.contains("Usage: esans data shard"), "\(zero.err)")
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(try CLI.run(["data", "shard", "--data", lg, "--shards", "2", "--output", out]).code == 0)
        let again = try CLI.run(["data", "shard", "--data", lg, "--shards", "3", "--output", out])
        #expect(again.code == 64 && again.err.contains("already exists") && again.err.contains("--force"), "\(again.err)")
        let forced = try CLI.run(["data", "shard", "--data", lg, "--shards", "3", "--output", out, "--force"])
        #expect(forced.code == 0 && forced.out.contains("3 shards"), "\(forced.err)")
        let notShards = try CLI.run(["data", "shard", "--data", lg, "--shards", "3", "--output", lg, "--force"])
        #expect(notShards.code == 64 && notShards.err.contains("not a sharded directory"), "\(notShards.err)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path).filter { $0.hasPrefix(".") }.isEmpty)
    }

    /// A damaged shard is an error that names the file and the field, not a crash.
    @Test func aDamagedShardIsAReadableError() throws {
        let tmp = TempDir()
        let out = tmp.file("shards")
        #expect(try CLI.run(["data", "shard", "--data", Self.lightGCN(tmp), "--shards", "2", "--output", out.path]).code == 0)
        let file = out.appendingPathComponent("shard-00001.indptr.npy")
        var bytes = try Data(contentsOf: file)
        bytes.replaceSubrange(bytes.count - 8 ..< bytes.count, with: [UInt8](repeating: 0, count: 8))  // last row start 0
        try bytes.write(to: file)
        let info = try CLI.run(["data", "info", "--data", out.path])
        #expect(info.code == 1, "\(info.err)")
        #expect(info.err.contains("shard-00001.indptr.npy") && info.err.contains("indptr[4]"), "\(info.err)")
    }
}
