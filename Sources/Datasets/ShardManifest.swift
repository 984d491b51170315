import Foundation
import NumCore

/// The `manifest.json` of a sharded data directory (format `esans-csr-shards`, version 1; see
/// docs/sharded-format.md): sizes, the sharding rule, the id files and every shard's files
/// with their byte sizes and SHA-256.
///
/// Users are dealt to shards by their dense index: user `u` lives in shard `u % numShards`,
/// at row `u / numShards` of it, so shard `s` holds rows for users `s, s + S, s + 2S, ...`
/// (``rows(inShard:)`` of them, possibly 0).
public struct ShardManifest: Codable, Sendable, Equatable {
    /// The value of ``format``.
    public static let formatName = "esans-csr-shards"
    /// The newest ``version`` this code reads and the one it writes.
    public static let currentVersion = 1
    /// The manifest's file name inside the directory.
    public static let fileName = "manifest.json"
    /// The value of ``sharding``: the only rule there is.
    public static let shardingRule = "user % num_shards"
    /// Role codes of the `role` arrays: `0` train, `1` test, `2` validation.
    public static let roleNames = ["train", "test", "validation"]

    /// One file of the layout: its name inside the directory, size and SHA-256 (hex).
    public struct FileEntry: Codable, Sendable, Equatable {
        /// File name (no directory part).
        public var name: String
        /// Size in bytes.
        public var bytes: Int
        /// SHA-256 of the contents, lower-case hex (optional for writers other than esans).
        public var sha256: String?

        /// An entry.
        public init(name: String, bytes: Int, sha256: String?) {
            self.name = name
            self.bytes = bytes
            self.sha256 = sha256
        }
    }

    /// One shard: its index, row and interaction counts and its arrays (keys `indptr`,
    /// `indices`, and when present `role` and `timestamps`).
    public struct Shard: Codable, Sendable, Equatable {
        /// Shard index, `0..<numShards`.
        public var index: Int
        /// Users (CSR rows) in the shard.
        public var rows: Int
        /// Interactions in the shard (`indptr[rows]`).
        public var nnz: Int
        /// The shard's arrays by field name.
        public var files: [String: FileEntry]

        /// A shard entry.
        public init(index: Int, rows: Int, nnz: Int, files: [String: FileEntry]) {
            self.index = index
            self.rows = rows
            self.nnz = nnz
            self.files = files
        }
    }

    /// Always ``formatName``.
    public var format: String
    /// Layout version (1).
    public var version: Int
    /// The data set's name.
    public var name: String
    /// Number of users (dense indices `0..<numUsers`, lines of the user id file).
    public var numUsers: Int
    /// Number of items (every item index is below it; lines of the item id file).
    public var numItems: Int
    /// Interactions over all shards.
    public var numInteractions: Int
    /// Number of shards S.
    public var numShards: Int
    /// Always ``shardingRule``.
    public var sharding: String
    /// `item` when each row is sorted by item index (a split data set), `source` when rows keep
    /// the source's order (an unsplit log, which the loader splits).
    public var rowOrder: String
    /// ``roleNames`` when the shards carry `role` arrays (the data set is split), else nil.
    public var roleCodes: [String]?
    /// Whether the shards carry `timestamps` arrays.
    public var hasTimestamps: Bool
    /// The user id file: line `u` is the original id of user `u`.
    public var userIDs: FileEntry
    /// The item id file: line `i` is the original id of item `i`.
    public var itemIDs: FileEntry
    /// Original ids of items the source named that have no training interaction (not in the
    /// item id file), as ``Dataset/itemsWithoutTraining``.
    public var itemsWithoutTraining: [String]
    /// The source's loading notes.
    public var notes: [String]
    /// The shards, in index order.
    public var shards: [Shard]

    enum CodingKeys: String, CodingKey {
        case format, version, name, sharding, notes, shards
        case numUsers = "num_users", numItems = "num_items", numInteractions = "num_interactions"
        case numShards = "num_shards", rowOrder = "row_order", roleCodes = "role_codes"
        case hasTimestamps = "has_timestamps", userIDs = "user_ids", itemIDs = "item_ids"
        case itemsWithoutTraining = "items_without_training"
    }

    /// A manifest with every field given; ``format``, ``version`` and ``sharding`` are fixed.
    public init(name: String, numUsers: Int, numItems: Int, numInteractions: Int, numShards: Int, rowOrder: String,
                roleCodes: [String]?, hasTimestamps: Bool, userIDs: FileEntry, itemIDs: FileEntry,
                itemsWithoutTraining: [String], notes: [String], shards: [Shard]) {
        format = Self.formatName
        version = Self.currentVersion
        sharding = Self.shardingRule
        self.name = name
        self.numUsers = numUsers
        self.numItems = numItems
        self.numInteractions = numInteractions
        self.numShards = numShards
        self.rowOrder = rowOrder
        self.roleCodes = roleCodes
        self.hasTimestamps = hasTimestamps
        self.userIDs = userIDs
        self.itemIDs = itemIDs
        self.itemsWithoutTraining = itemsWithoutTraining
        self.notes = notes
        self.shards = shards
    }

    /// Decodes; `items_without_training` and `notes` may be absent (other writers).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decode(String.self, forKey: .format)
        version = try c.decode(Int.self, forKey: .version)
        name = try c.decode(String.self, forKey: .name)
        numUsers = try c.decode(Int.self, forKey: .numUsers)
        numItems = try c.decode(Int.self, forKey: .numItems)
        numInteractions = try c.decode(Int.self, forKey: .numInteractions)
        numShards = try c.decode(Int.self, forKey: .numShards)
        sharding = try c.decode(String.self, forKey: .sharding)
        rowOrder = try c.decode(String.self, forKey: .rowOrder)
        roleCodes = try c.decodeIfPresent([String].self, forKey: .roleCodes)
        hasTimestamps = try c.decodeIfPresent(Bool.self, forKey: .hasTimestamps) ?? false
        userIDs = try c.decode(FileEntry.self, forKey: .userIDs)
        itemIDs = try c.decode(FileEntry.self, forKey: .itemIDs)
        itemsWithoutTraining = try c.decodeIfPresent([String].self, forKey: .itemsWithoutTraining) ?? []
        notes = try c.decodeIfPresent([String].self, forKey: .notes) ?? []
        shards = try c.decode([Shard].self, forKey: .shards)
    }

    // MARK: The sharding rule

    /// The shard of dense user index `user` among `numShards`.
    @inlinable public static func shard(ofUser user: Int, numShards: Int) -> Int { user % numShards }
    /// The row of dense user index `user` inside its shard.
    @inlinable public static func row(ofUser user: Int, numShards: Int) -> Int { user / numShards }
    /// The dense user index of `row` in shard `shard`.
    @inlinable public static func user(atRow row: Int, shard: Int, numShards: Int) -> Int { shard + row * numShards }
    /// Rows of shard `shard` when `numUsers` users are dealt to `numShards` shards.
    @inlinable public static func rows(inShard shard: Int, numUsers: Int, numShards: Int) -> Int {
        shard < numUsers ? (numUsers - shard + numShards - 1) / numShards : 0
    }

    /// The shards a process of rank `rank` among `size` owns when shards are dealt round-robin
    /// (`s % size == rank`); empty when there are fewer shards than ranks past `rank`.
    public static func shards(ownedByRank rank: Int, of size: Int, numShards: Int) -> [Int] {
        precondition(size > 0 && rank >= 0 && rank < size, "ShardManifest: rank \(rank) outside 0..<\(size)")
        return Array(stride(from: rank, to: numShards, by: size))
    }

    // MARK: Reading and checking

    /// Reads and checks `DIR/manifest.json`.
    /// - Throws: ``DataError`` naming `manifest.json` and the field at fault.
    public static func read(directory: URL) throws -> ShardManifest {
        let url = directory.appendingPathComponent(fileName)
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DataError(file: fileName, message: "cannot read \(url.path): \(FileErrorReason.text(error))")
        }
        let manifest: ShardManifest
        do { manifest = try JSONDecoder().decode(ShardManifest.self, from: data) } catch let error as DecodingError {
            throw DataError(file: fileName, field: Self.codingPath(error), message: Self.problem(error))
        }
        try manifest.check()
        return manifest
    }

    /// Checks the manifest's own consistency (not the files).
    func check() throws {
        func fail(_ field: String, _ message: String) -> DataError { DataError(file: Self.fileName, field: field, message: message) }
        guard format == Self.formatName else { throw fail("format", "'\(format)' is not '\(Self.formatName)'") }
        guard version >= 1 && version <= Self.currentVersion else {
            throw fail("version", "version \(version) is not supported (this esans reads 1...\(Self.currentVersion))")
        }
        guard sharding == Self.shardingRule else { throw fail("sharding", "'\(sharding)' is not '\(Self.shardingRule)', the only rule") }
        guard numShards >= 1 else { throw fail("num_shards", "\(numShards) must be at least 1") }
        guard numUsers >= 0, numItems >= 0, numInteractions >= 0 else { throw fail("num_users", "counts must not be negative") }
        guard numItems <= Int(Int32.max) else { throw fail("num_items", "\(numItems) items do not fit int32 indices") }
        guard rowOrder == "item" || rowOrder == "source" else { throw fail("row_order", "'\(rowOrder)' is neither 'item' nor 'source'") }
        if let roleCodes, roleCodes != Self.roleNames {
            throw fail("role_codes", "\(roleCodes) is not \(Self.roleNames)")
        }
        guard shards.count == numShards else { throw fail("shards", "\(shards.count) entries for num_shards \(numShards)") }
        var total = 0
        for (s, shard) in shards.enumerated() {
            let label = "shards[\(s)]"
            guard shard.index == s else { throw fail("\(label).index", "\(shard.index), expected \(s) (shards are listed in order)") }
            let rows = Self.rows(inShard: s, numUsers: numUsers, numShards: numShards)
            guard shard.rows == rows else {
                throw fail("\(label).rows", "\(shard.rows), but \(numUsers) users dealt by \(Self.shardingRule) give shard \(s) \(rows) rows")
            }
            guard shard.nnz >= 0 else { throw fail("\(label).nnz", "\(shard.nnz) is negative") }
            total += shard.nnz
            var required = ["indptr", "indices"]
            if roleCodes != nil { required.append("role") }
            if hasTimestamps { required.append("timestamps") }
            for key in required where shard.files[key] == nil {
                throw fail("\(label).files", "no '\(key)' entry")
            }
            for (key, entry) in shard.files { try Self.checkName(entry.name, field: "\(label).files.\(key).name") }
        }
        try Self.checkName(userIDs.name, field: "user_ids.name")
        try Self.checkName(itemIDs.name, field: "item_ids.name")
        guard total == numInteractions else {
            throw fail("num_interactions", "\(numInteractions), but the shards' nnz add up to \(total)")
        }
    }

    /// A file name must stay inside the directory.
    static func checkName(_ name: String, field: String) throws {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw DataError(file: fileName, field: field, message: "'\(name)' is not a plain file name inside the directory")
        }
    }

    static func codingPath(_ error: DecodingError) -> String? {
        func path(_ keys: [CodingKey]) -> String { keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".") }
        switch error {
        case .keyNotFound(let key, let c): return path(c.codingPath + [key])
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): return c.codingPath.isEmpty ? nil : path(c.codingPath)
        @unknown default: return nil
        }
    }

    static func problem(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound: return "is missing"
        case .typeMismatch(let type, _): return "is not a \(type)"
        case .valueNotFound(let type, _): return "has no \(type) value"
        case .dataCorrupted(let c): return "not valid JSON: \(c.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
