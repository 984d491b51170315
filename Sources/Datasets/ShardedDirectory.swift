import Foundation
import NumCore

/// A sharded data directory (``ShardManifest``) opened for reading: its manifest checked,
/// shards mapped on demand, id maps read on demand.
///
/// A process that owns some shards (an MPI rank) maps only those:
/// ```swift
/// let dir = try ShardedDirectory(path: "data/big-shards")
/// let mine = try dir.shards(ShardManifest.shards(ownedByRank: rank, of: size, numShards: dir.manifest.numShards))
/// for shard in mine { for r in 0..<shard.rows { use(shard.user(atRow: r), shard.items(atRow: r)) } }
/// ```
/// ``DatasetLoader`` reads the whole directory as a ``Dataset`` (format `sharded`).
public struct ShardedDirectory: Sendable {
    /// The directory.
    public let url: URL
    /// Its checked manifest.
    public let manifest: ShardManifest

    /// Opens the directory at `path` and checks its manifest.
    /// - Throws: ``DataError`` naming `manifest.json` and the field at fault.
    public init(path: String) throws {
        url = URL(fileURLWithPath: path, isDirectory: true)
        manifest = try ShardManifest.read(directory: url)
    }

    /// Whether `path` is a directory with a `manifest.json` (what format detection looks for).
    public static func looksSharded(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: URL(fileURLWithPath: path).appendingPathComponent(ShardManifest.fileName).path)
    }

    /// Maps and checks shard `index` (see ``MappedShard/init(directory:manifest:index:verifyChecksums:)``).
    public func shard(_ index: Int, verifyChecksums: Bool = false) throws -> MappedShard {
        guard index >= 0 && index < manifest.numShards else {
            throw DataError(file: url.path, message: "shard \(index) does not exist (the directory has \(manifest.numShards) shards, 0..<\(manifest.numShards))")
        }
        return try MappedShard(directory: url, manifest: manifest, index: index, verifyChecksums: verifyChecksums)
    }

    /// Maps and checks the shards `indices` (in that order).
    public func shards(_ indices: [Int], verifyChecksums: Bool = false) throws -> [MappedShard] {
        try indices.map { try shard($0, verifyChecksums: verifyChecksums) }
    }

    /// The original user ids (line `u` of the user id file is user `u`); with
    /// `verifyChecksum`, the file's SHA-256 is compared with the manifest's first.
    public func userIDs(verifyChecksum: Bool = false) throws -> IDMap {
        try readIDs(manifest.userIDs, expected: manifest.numUsers, field: "num_users", verify: verifyChecksum)
    }
    /// The original item ids (line `i` of the item id file is item `i`), as ``userIDs(verifyChecksum:)``.
    public func itemIDs(verifyChecksum: Bool = false) throws -> IDMap {
        try readIDs(manifest.itemIDs, expected: manifest.numItems, field: "num_items", verify: verifyChecksum)
    }

    /// Reads an id file: one id per line, each line ended by `\n`, ids distinct.
    private func readIDs(_ entry: ShardManifest.FileEntry, expected: Int, field: String, verify: Bool) throws -> IDMap {
        let fileURL = url.appendingPathComponent(entry.name)
        let data: Data
        do { data = try FileData.read(fileURL, options: .alwaysMapped) } catch {
            throw DataError(file: entry.name, message: "cannot read \(fileURL.path): \(FileErrorReason.text(error))")
        }
        guard data.count == entry.bytes else {
            throw DataError(file: entry.name, message: "\(data.count) bytes, the manifest says \(entry.bytes)")
        }
        if verify, let sum = entry.sha256, SHA256.hex(data) != sum.lowercased() {
            throw DataError(file: entry.name, message: "SHA-256 \(SHA256.hex(data)) differs from the manifest's \(sum)")
        }
        guard data.isEmpty || data.last == 0x0A else {
            throw DataError(file: entry.name, message: "the last line has no line feed (the file is truncated)")
        }
        var map = IDMap()
        // Every id takes at least its line feed: the file bounds what a manifest may claim.
        map.reserveCapacity(min(expected, data.count))
        var line = 0
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var start = 0
            for k in 0..<raw.count where raw[k] == 0x0A {
                line += 1
                guard line <= expected else {
                    throw DataError(file: entry.name, line: line, message: "more ids than the manifest's \(field) (\(expected))")
                }
                let id = String(decoding: UnsafeRawBufferPointer(rebasing: raw[start..<k]), as: UTF8.self)
                guard map.intern(id) == line - 1 else {
                    throw DataError(file: entry.name, line: line, message: "id \(DataError.quote(id)) repeats line \(map.index(of: id)! + 1)")
                }
                start = k + 1
            }
        }
        guard line == expected else {
            throw DataError(file: entry.name, message: "\(line) ids, but the manifest's \(field) is \(expected)")
        }
        return map
    }
}
