import Foundation
import NumCore

/// One rank's part of a sharded data directory: the interactions of the users its data shards
/// hold, mapped without reading the others' (the per-rank loading of `esans train
/// --distributed`), and the data's fingerprint computed by streaming over the shards.
extension DatasetLoader {
    /// Why the data at `path` cannot be loaded in `parts` parts by user shard, or nil when it
    /// can: it must be a sharded directory with role arrays, read as written (no other split,
    /// no filter, no validation or cold-item carving), whose shard count `parts` divides.
    public static func userPartProblem(path: String, options: LoadOptions, parts: Int) -> String? {
        guard (options.format ?? DataFormat.detect(path: path)) == .sharded else { return "the data is not a sharded directory (esans data shard writes one)" }
        guard let m = try? ShardedDirectory(path: path).manifest else { return "\(path): the manifest does not read" }
        if m.roleCodes == nil { return "the shards carry no split ('role' arrays)" }
        if let s = options.split, s != .givenFiles { return "a new split (--split) needs every interaction" }
        if options.kCore > 0 || options.minRating != nil { return "a filter (--k-core, --min-rating) needs every interaction" }
        if options.validationFraction > 0 || options.coldItems > 0 { return "a validation or cold-item split is carved from the whole data" }
        if m.numShards % parts != 0 { return "\(parts) ranks do not divide the data's \(m.numShards) shards" }
        return nil
    }

    /// Part `part` of `parts` of the sharded directory at `path`: the users of the data shards
    /// `s` with `s % parts == part` (user `u` in shard `u % S`), with their train, test and
    /// validation rows as written; every other user's rows are empty. The id maps, user and
    /// item counts are the whole data's; ``Dataset/loadedShards`` says which shards are in.
    /// With `parts` dividing both the data's shard count and a trainer's virtual shards, a
    /// rank's users are exactly the users whose rows it holds (`u % parts`).
    /// - Throws: ``DataError`` when ``userPartProblem(path:options:parts:)`` names a problem,
    ///   or a shard does not map or check.
    public static func loadUserPart(path: String, options: LoadOptions, parts: Int, part: Int) throws -> Dataset {
        precondition(parts > 0 && part >= 0 && part < parts, "part \(part) outside 0..<\(parts)")
        if let problem = userPartProblem(path: path, options: options, parts: parts) {
            throw DataError(file: path, message: "cannot load by user shard: \(problem)")
        }
        let dir = try ShardedDirectory(path: path)
        let m = dir.manifest
        let owned = ShardManifest.shards(ownedByRank: part, of: parts, numShards: m.numShards)
        var shards = [MappedShard?](repeating: nil, count: m.numShards)
        for s in owned { shards[s] = try dir.shard(s) }
        var notes = m.notes
        notes.append("read \(owned.count) of \(m.numShards) memory-mapped shards of \(ShardManifest.formatName) v\(m.version) (part \(part) of \(parts))")
        var dataset = ShardedReader.asWritten(shards, manifest: m, name: options.name ?? m.name,
                                              users: try dir.userIDs(), items: try dir.itemIDs(), notes: notes)
        dataset.loadedShards = (owned, m.numShards)
        HeapTrim.release()
        return dataset
    }
}

extension ShardedDirectory {
    /// The ``Dataset/fingerprint`` of the whole directory read as written (what
    /// `DatasetLoader.load` with its default options gives), computed shard row by shard row
    /// without assembling the interactions: for a rank that holds only part of them.
    /// - Throws: ``DataError`` when the data has no role arrays or a file does not read.
    public func fingerprint() throws -> String {
        let m = manifest
        guard m.roleCodes != nil else { throw DataError(file: url.path, message: "the shards carry no split ('role' arrays): no fingerprint as written") }
        var c = Checksum64()
        Dataset.mix(&c, Array("esans-data-v1".utf8))
        Dataset.mix(&c, try userIDs())
        Dataset.mix(&c, try itemIDs())
        // Known interactions (train and validation), then test, each as Interactions are mixed.
        for roles in [[Int8(0), 2], [1]] {
            Dataset.mix(&c, m.numUsers)
            Dataset.mix(&c, m.numItems)
            var offset = 0
            Dataset.mix(&c, 0)
            try forEachShardRow { items, codes in
                for k in 0..<items.count where roles.contains(codes[k]) { offset += 1 }
                Dataset.mix(&c, offset)
            }
            var row: [Int32] = []
            try forEachShardRow { items, codes in
                row.removeAll(keepingCapacity: true)
                for k in 0..<items.count where roles.contains(codes[k]) { row.append(items[k]) }
                row.sort()
                #if _endian(little)
                row.withUnsafeBytes { c.update($0) }
                #else
                for i in row { withUnsafeBytes(of: i.littleEndian) { c.update($0) } }
                #endif
            }
        }
        return Checksum64.hex(c.value)
    }

    /// Calls `body` with each user's items and role codes, users in index order.
    private func forEachShardRow(_ body: (UnsafeBufferPointer<Int32>, UnsafeBufferPointer<Int8>) -> Void) throws {
        let S = manifest.numShards
        let shards = try (0..<S).map { try shard($0) }
        for u in 0..<manifest.numUsers {
            let shard = shards[ShardManifest.shard(ofUser: u, numShards: S)]
            let row = ShardManifest.row(ofUser: u, numShards: S)
            let lo = Int(shard.indptr[row]), hi = Int(shard.indptr[row + 1])
            body(UnsafeBufferPointer(rebasing: shard.indices[lo..<hi]), UnsafeBufferPointer(rebasing: shard.roles![lo..<hi]))
        }
    }
}
