import Foundation
import Testing
import NumCore
import TestSupport
@testable import Datasets

/// Damaged sharded directories: each refusal names the file and the field at fault, and
/// unsplit shards (what the Parquet converter writes) load like the CSV of the same rows.
@Suite struct ShardedDataErrorTests {
    /// A LightGCN fixture in 3 shards, and its directory.
    static func written(_ tmp: TempDir) throws -> (Dataset, URL) {
        let d = try DatasetLoader.load(path: ShardFixtures.lightGCN(tmp), options: LoadOptions(format: .lightgcn))
        let out = tmp.url.appendingPathComponent("s")
        try ShardWriter.write(d, shards: 3, to: out)
        return (d, out)
    }

    static func expectRefusal(_ dir: URL, file: String, field: String?, saying words: String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try DatasetLoader.load(path: dir.path)
            Issue.record("loaded a damaged directory", sourceLocation: sourceLocation)
        } catch let error as DataError {
            #expect(error.file == file, "\(error)", sourceLocation: sourceLocation)
            if let field { #expect(error.field == field, "\(error)", sourceLocation: sourceLocation) }
            #expect(error.description.contains(words), "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("not a DataError: \(error)", sourceLocation: sourceLocation)
        }
    }

    /// Replaces an array file, keeping the manifest's byte count in step (so that the
    /// check reached is the values', not the size's).
    static func replace(_ dir: URL, _ name: String, with bytes: Data) throws {
        try bytes.write(to: dir.appendingPathComponent(name))
        let url = dir.appendingPathComponent(ShardManifest.fileName)
        var m = try JSONDecoder().decode(ShardManifest.self, from: Data(contentsOf: url))
        for s in m.shards.indices {
            for (key, entry) in m.shards[s].files where entry.name == name { m.shards[s].files[key]!.bytes = bytes.count }
        }
        try JSONEncoder().encode(m).write(to: url)
    }

    @Test func wrongDtype() throws {
        let tmp = TempDir()
        let (_, dir) = try Self.written(tmp)
        let m = try ShardedDirectory(path: dir.path).manifest
        try Self.replace(dir, "shard-00001.indices.npy", with: NPY.bytes(of: [Int64](repeating: 1, count: m.shards[1].nnz), descr: "<i8"))
        Self.expectRefusal(dir, file: "shard-00001.indices.npy", field: "indices", saying: "dtype '<i8', expected '<i4'")
    }

    @Test func indptrNotMonotone() throws {
        let tmp = TempDir()
        let (_, dir) = try Self.written(tmp)
        let shard = try ShardedDirectory(path: dir.path).shard(0)
        var indptr = withExtendedLifetime(shard) { Array(shard.indptr) }
        indptr[2] = indptr[1] - 1
        try Self.replace(dir, "shard-00000.indptr.npy", with: NPY.bytes(of: indptr, descr: "<i8"))
        Self.expectRefusal(dir, file: "shard-00000.indptr.npy", field: "indptr[2]", saying: "must not decrease")
    }

    @Test func itemIndexOutOfRange() throws {
        let tmp = TempDir()
        let (d, dir) = try Self.written(tmp)
        let shard = try ShardedDirectory(path: dir.path).shard(2)
        var indices = withExtendedLifetime(shard) { Array(shard.indices) }
        indices[3] = Int32(d.numItems)
        try Self.replace(dir, "shard-00002.indices.npy", with: NPY.bytes(of: indices, descr: "<i4"))
        Self.expectRefusal(dir, file: "shard-00002.indices.npy", field: "indices[3]", saying: "outside 0..<\(d.numItems)")
    }

    @Test func unknownRoleCode() throws {
        let tmp = TempDir()
        let (_, dir) = try Self.written(tmp)
        let shard = try ShardedDirectory(path: dir.path).shard(0)
        var roles = withExtendedLifetime(shard) { Array(shard.roles!) }
        roles[0] = 7
        try Self.replace(dir, "shard-00000.role.npy", with: NPY.bytes(of: roles, descr: "|i1"))
        Self.expectRefusal(dir, file: "shard-00000.role.npy", field: "role[0]", saying: "role code 7")
    }

    @Test func manifestCountMismatch() throws {
        let tmp = TempDir()
        let (_, dir) = try Self.written(tmp)
        let url = dir.appendingPathComponent(ShardManifest.fileName)
        var m = try JSONDecoder().decode(ShardManifest.self, from: Data(contentsOf: url))
        m.numInteractions += 1
        try JSONEncoder().encode(m).write(to: url)
        Self.expectRefusal(dir, file: "manifest.json", field: "num_interactions", saying: "add up to")
        m.numInteractions -= 1
        m.shards[1].rows += 1
        try JSONEncoder().encode(m).write(to: url)
        Self.expectRefusal(dir, file: "manifest.json", field: "shards[1].rows", saying: "user % num_shards")
        m.shards[1].rows -= 1
        m.numUsers += 1  // the rows no longer match either
        try JSONEncoder().encode(m).write(to: url)
        Self.expectRefusal(dir, file: "manifest.json", field: nil, saying: "rows")
    }

    @Test func manifestMissingAField() throws {
        let tmp = TempDir()
        let (_, dir) = try Self.written(tmp)
        let url = dir.appendingPathComponent(ShardManifest.fileName)
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        json["num_items"] = nil
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        Self.expectRefusal(dir, file: "manifest.json", field: "num_items", saying: "is missing")
    }

    @Test func truncatedArray() throws {
        let tmp = TempDir()
        let (_, dir) = try Self.written(tmp)
        let url = dir.appendingPathComponent("shard-00001.indices.npy")
        let bytes = try Data(contentsOf: url)
        try bytes.prefix(bytes.count - 4).write(to: url)
        Self.expectRefusal(dir, file: "shard-00001.indices.npy", field: "indices", saying: "truncated data")
        try Self.replace(dir, "shard-00001.indices.npy", with: bytes.prefix(bytes.count - 4))
        Self.expectRefusal(dir, file: "shard-00001.indices.npy", field: "indices", saying: "truncated data")
    }

    @Test func idFileShorterThanTheManifest() throws {
        let tmp = TempDir()
        let (_, dir) = try Self.written(tmp)
        let url = dir.appendingPathComponent("item_ids.txt")
        let text = try String(contentsOf: url, encoding: .utf8)
        let shorter = text.split(separator: "\n").dropLast().map { $0 + "\n" }.joined()
        try shorter.write(to: url, atomically: true, encoding: .utf8)
        let m = try JSONDecoder().decode(ShardManifest.self, from: Data(contentsOf: dir.appendingPathComponent(ShardManifest.fileName)))
        var edited = m
        edited.itemIDs.bytes = shorter.utf8.count
        try JSONEncoder().encode(edited).write(to: dir.appendingPathComponent(ShardManifest.fileName))
        Self.expectRefusal(dir, file: "item_ids.txt", field: nil, saying: "but the manifest's num_items is \(m.numItems)")
    }

    @Test func checksumsAreComparedWhenAsked() throws {
        let tmp = TempDir()
        let (_, dir) = try Self.written(tmp)
        let url = dir.appendingPathComponent("shard-00000.indices.npy")
        var bytes = try Data(contentsOf: url)
        bytes[bytes.count - 4] ^= 0x01  // the last index's low byte: still an index below 12
        try bytes.write(to: url)
        let sharded = try ShardedDirectory(path: dir.path)
        _ = try sharded.shard(0)
        let error = try #require(throws: DataError.self) { try sharded.shard(0, verifyChecksums: true) }
        #expect(error.file == "shard-00000.indices.npy" && error.description.contains("SHA-256"), "\(error)")
    }
}
