import Foundation
import NumCore

/// Reads a whole sharded data directory (``ShardedDirectory``) as a ``Dataset``: the
/// `sharded` ``DataFormat``.
///
/// Shards with `role` arrays are a split data set: with no split asked for (or `given`) and no
/// filter, train, test and validation are rebuilt as they were written, indices unchanged.
/// Any other split pools every role into one log and splits it again; a k-core filter works
/// on the split as written (train and test counted together) like LightGCN's files. Shards
/// without roles are an unsplit log (from `scripts/parquet_to_shards.py`, say) that is
/// deduplicated, filtered and split like a CSV file with the same rows: rows in the source's
/// order, user and item indices in first-seen order, default split `time:0.8`.
enum ShardedReader {
    static func load(directory path: String, options: LoadOptions) throws -> Dataset {
        let dir = try ShardedDirectory(path: path)
        let m = dir.manifest
        if options.minRating != nil {
            throw DataError(file: path, message: "a minimum rating needs a rating column, and sharded data has none "
                                + "(filter by rating when converting: esans data shard --min-rating)")
        }
        guard m.numUsers <= Int(Int32.max) else {
            throw DataError(file: ShardManifest.fileName, field: "num_users", message: "\(m.numUsers) users do not fit int32 indices")
        }
        let shards = try dir.shards(Array(0..<m.numShards))
        let users = try dir.userIDs(), items = try dir.itemIDs()
        let name = options.name ?? m.name
        var notes = m.notes
        notes.append("read \(m.numShards) memory-mapped shard\(m.numShards == 1 ? "" : "s") of \(ShardManifest.formatName) "
                     + "v\(m.version) (\(DatasetInfo.grouped(m.numInteractions)) interactions\(m.roleCodes == nil ? ", unsplit" : ""))")

        if m.roleCodes != nil {
            let split = options.split ?? .givenFiles
            if split == .givenFiles && options.kCore <= 0 {
                return asWritten(shards, manifest: m, name: name, users: users, items: items, notes: notes)
            }
            if split == .givenFiles {
                return try filteredAsWritten(shards, manifest: m, name: name, users: users, items: items, options: options, notes: notes)
            }
            notes.append("the shards' split was pooled and split again with \(split)")
            let log = pooledLog(shards, manifest: m, file: path)
            return try DatasetAssembler.assembleSplitting(name: name, users: users, items: items, log: log, split: split,
                                                          options: options, notes: notes)
        }
        let split = options.split ?? .ratioByTime(0.8)
        if split == .givenFiles {
            throw DataError(file: path, message: "the shards carry no split ('role' arrays); choose --split loo, time:RATIO or random:RATIO")
        }
        let log = pooledLog(shards, manifest: m, file: path)
        return try DatasetAssembler.assembleSplitting(name: name, users: users, items: items, log: log, split: split,
                                                      options: options, notes: notes)
    }

    /// Train, test and validation as the role arrays say, indices as written. A nil shard
    /// (one this process does not hold, see ``loadPart(directory:options:parts:part:)``) gives
    /// its users empty rows.
    static func asWritten(_ shards: [MappedShard?], manifest m: ShardManifest, name: String, users: IDMap, items: IDMap,
                          notes: [String]) -> Dataset {
        var totals = [0, 0, 0]
        for case let shard? in shards { for code in shard.roles! { totals[Int(code)] += 1 } }
        var offsets = (0..<3).map { _ in [Int]() }
        var flat = (0..<3).map { _ in [Int32]() }
        for r in 0..<3 {
            offsets[r].reserveCapacity(m.numUsers + 1)
            offsets[r].append(0)
            flat[r].reserveCapacity(totals[r])
        }
        let S = m.numShards
        for u in 0..<m.numUsers {
            guard let shard = shards[ShardManifest.shard(ofUser: u, numShards: S)] else {
                for r in 0..<3 { offsets[r].append(flat[r].count) }
                continue
            }
            let row = ShardManifest.row(ofUser: u, numShards: S)
            let roles = shard.roles!
            for k in Int(shard.indptr[row])..<Int(shard.indptr[row + 1]) { flat[Int(roles[k])].append(shard.indices[k]) }
            for r in 0..<3 { offsets[r].append(flat[r].count) }
        }
        // The public initializer checks the arrays and sorts any row written out of order.
        let parts = (0..<3).map { Interactions(numUsers: m.numUsers, numItems: m.numItems, offsets: offsets[$0], items: flat[$0]) }
        return Dataset(name: name, users: users, items: items, train: parts[0], test: parts[1],
                       validation: totals[2] > 0 ? parts[2] : nil, notes: notes, itemsWithoutTraining: m.itemsWithoutTraining)
    }

    /// The split as written with the load filters applied over train and test together (as
    /// for LightGCN's files); validation pairs count as train.
    static func filteredAsWritten(_ shards: [MappedShard], manifest m: ShardManifest, name: String, users: IDMap, items: IDMap,
                                  options: LoadOptions, notes: [String]) throws -> Dataset {
        let pooled = pooledLog(shards, manifest: m, file: ShardManifest.fileName)
        let codes = pooledRoles(shards, manifest: m)
        var logs = [pooled.filtered(codes.map { $0 != 1 }), pooled.filtered(codes.map { $0 == 1 })]
        let filters = try InteractionFilters.apply(&logs, numUsers: m.numUsers, numItems: m.numItems, options: options)
        var notes = notes
        let filtered = filters.contains { $0.interactionsRemoved > 0 }
        if filtered { notes.append("the filters removed users or items: indices are renumbered, ids keep their names") }
        var dataset = try DatasetAssembler.assemble(
            name: name, users: users, items: items, train: logs[0], test: logs[1],
            layout: filtered ? .compact : .numeric(userBound: m.numUsers, itemBound: m.numItems),
            strict: options.strict, notes: notes)
        dataset.filters = filters
        if dataset.itemsWithoutTraining.isEmpty { dataset.itemsWithoutTraining = m.itemsWithoutTraining }
        return dataset
    }

    /// Every interaction as one log, user by user in index order, each row in its stored order
    /// (the source's order for an unsplit log); dense indices as provisional ones.
    static func pooledLog(_ shards: [MappedShard], manifest m: ShardManifest, file: String) -> PairLog {
        var log = PairLog(file: file, userField: "user", itemField: "item")
        log.users.reserveCapacity(m.numInteractions)
        log.items.reserveCapacity(m.numInteractions)
        log.lines.reserveCapacity(m.numInteractions)
        var times: [Double]? = m.hasTimestamps ? [] : nil
        times?.reserveCapacity(m.numInteractions)
        if !m.hasTimestamps { log.missingTimestamp = "the shards have no 'timestamps' arrays" }
        let S = m.numShards
        for u in 0..<m.numUsers {
            let shard = shards[ShardManifest.shard(ofUser: u, numShards: S)]
            let row = ShardManifest.row(ofUser: u, numShards: S)
            for k in Int(shard.indptr[row])..<Int(shard.indptr[row + 1]) {
                log.users.append(Int32(u))
                log.items.append(shard.indices[k])
                // The 1-based position in the pooled log stands for a line in messages.
                log.lines.append(Int32(truncatingIfNeeded: log.lines.count + 1))
                times?.append(Double(shard.timestamps![k]))
            }
        }
        log.times = times
        return log
    }

    /// The role codes in the order of ``pooledLog(_:manifest:file:)``.
    static func pooledRoles(_ shards: [MappedShard], manifest m: ShardManifest) -> [Int8] {
        var codes = [Int8]()
        codes.reserveCapacity(m.numInteractions)
        for u in 0..<m.numUsers {
            let shard = shards[ShardManifest.shard(ofUser: u, numShards: m.numShards)]
            let row = ShardManifest.row(ofUser: u, numShards: m.numShards)
            codes.append(contentsOf: shard.roles![Int(shard.indptr[row])..<Int(shard.indptr[row + 1])])
        }
        return codes
    }
}
