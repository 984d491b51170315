import Foundation
import NumCore

/// A generated interaction log at any scale (10^7 items, 10^8 interactions), written straight
/// into the sharded layout (docs/sharded-format.md) one shard at a time, without ever holding
/// the whole log in memory.
///
/// The model:
/// - **Popularity.** Items are ranked by a seeded random permutation; the item of rank `r`
///   (0-based) is drawn with probability `ln((r + 2) / (r + 1)) / ln(n + 1)`, a continuous
///   Zipf law with exponent 1 (weight about `1 / (r + 1.5)`), sampled in O(1) by inversion.
/// - **Planted clusters.** The item of rank `r` belongs to cluster `r % C`, so every cluster is
///   a random set of items with the same spread of popularity; within a cluster, local rank `j`
///   (global rank `c + j C`) follows the same Zipf law.
/// - **Users.** Each user prefers one cluster, or two with probability 1/2, and draws each item
///   from a preferred cluster with probability ``clusterShare`` (by popularity within it), else
///   from global popularity, rejecting repeats: a user's items are distinct. The number of items
///   is `2 + floor(X + V)`, X log-normal (sigma 1) with mean `N / U - 2`, V uniform (randomised
///   rounding), capped at half the catalogue: mean `N / U`, a long right tail.
/// - **Roles.** `floor(testShare * k + V)` of a user's `k` items, chosen at random, are test
///   (at most `k - 1`: at least one train item); rows are sorted by item index.
///
/// Every random draw of user `u` comes from a generator derived from `(seed, u)` alone, so any
/// shard can be generated alone, and the same configuration gives byte-identical files whatever
/// the number of shards is processed in. The totals are random: the interaction count is within
/// a few percent of `N` (its relative standard deviation is about `1.3 / sqrt(U)`).
public struct ScaleSimulation: Sendable {
    /// Share of a user's draws made in their preferred clusters.
    public static let clusterShare = 0.8
    /// Exponent of the Zipf popularity law (stated in the notes of the manifest).
    public static let popularityExponent = 1.0
    /// Standard deviation of the log of the per-user count above its floor of 2.
    public static let countSigma = 1.0

    /// Sizes and seed.
    public struct Config: Sendable, Equatable {
        /// Number of users U.
        public var users: Int
        /// Number of items I.
        public var items: Int
        /// Target number of interactions N (the mean per user is `N / U`, at least 2).
        public var interactions: Int
        /// Number of planted clusters C (`1...items`).
        public var clusters: Int
        /// Seed of every random draw.
        public var seed: UInt64
        /// Expected share of each user's items marked test, in `[0, 1)`.
        public var testShare: Double

        /// A configuration.
        public init(users: Int, items: Int, interactions: Int, clusters: Int, seed: UInt64, testShare: Double = 0.2) {
            self.users = users
            self.items = items
            self.interactions = interactions
            self.clusters = clusters
            self.seed = seed
            self.testShare = testShare
        }

        /// The first thing wrong with the values, or nil.
        public var problem: String? {
            if users < 1 { return "users must be at least 1, not \(users)" }
            if items < 2 || items > Int(Int32.max) { return "items must be in 2...\(Int32.max), not \(items)" }
            if interactions < 2 * users { return "interactions must be at least 2 per user (\(2 * users)), not \(interactions)" }
            if clusters < 1 || clusters > items { return "clusters must be in 1...items (\(items)), not \(clusters)" }
            if !(testShare >= 0 && testShare < 1) { return "the test share must be in [0, 1), not \(testShare)" }
            return nil
        }

        /// The data set's name.
        public var name: String { "scale-u\(users)-i\(items)-n\(interactions)-c\(clusters)-s\(seed)" }
    }

    /// The configuration.
    public let config: Config
    /// Item index of every popularity rank (rank 0 is the most popular).
    public let itemOfRank: [Int32]
    /// At most this many items per user (half the catalogue, at least 2).
    public let maxPerUser: Int
    private let userStreams: RandomSource

    /// Prepares the generator (the popularity permutation: 4 bytes per item).
    public init(_ config: Config) {
        precondition(config.problem == nil, "ScaleSimulation: \(config.problem ?? "")")
        self.config = config
        let root = RandomSource(seed: config.seed)
        var rng = root.derived("scale-popularity")
        var perm = (0..<config.items).map { Int32($0) }
        rng.shuffle(&perm)
        itemOfRank = perm
        maxPerUser = max(2, config.items / 2)
        userStreams = root.derived("scale-users")
    }

    /// The cluster of the item of popularity rank `rank`.
    public func cluster(ofRank rank: Int) -> Int { rank % config.clusters }

    /// A Zipf rank in `0..<n` (exponent 1, continuous inversion).
    @inline(__always) static func zipfRank(_ n: Int, _ rng: inout RandomSource) -> Int {
        let x = Foundation.exp(rng.unitDouble() * Foundation.log(Double(n) + 1))
        return min(max(Int(x) - 1, 0), n - 1)
    }

    /// The preferred clusters of `user` and their items and roles, sorted by item index.
    public func row(ofUser user: Int, seen: inout Set<Int32>) -> (clusters: [Int], items: [Int32], roles: [Int8]) {
        let c = config
        var rng = userStreams.derived(UInt64(user))
        var preferred = [rng.below(c.clusters)]
        if c.clusters > 1 && rng.unitDouble() < 0.5 {
            var second = rng.below(c.clusters - 1)
            if second >= preferred[0] { second += 1 }
            preferred.append(second)
        }
        let mean = Double(c.interactions) / Double(c.users) - 2
        var extra = 0.0
        if mean > 0 {
            let z = Double(rng.normal())
            extra = Foundation.exp(Foundation.log(mean) - Self.countSigma * Self.countSigma / 2 + Self.countSigma * z)
        }
        let count = min(2 + Int((extra + rng.unitDouble()).rounded(.down)), maxPerUser)

        seen.removeAll(keepingCapacity: true)
        var items: [Int32] = []
        items.reserveCapacity(count)
        var attempts = 0
        while items.count < count {
            attempts += 1
            let item: Int32
            if attempts > 64 * count {
                item = Int32(rng.below(c.items))  // a saturated user: fill uniformly
            } else if rng.unitDouble() < Self.clusterShare && attempts <= 16 * count {
                let k = preferred[preferred.count == 1 ? 0 : rng.below(preferred.count)]
                let size = (c.items - k + c.clusters - 1) / c.clusters
                item = itemOfRank[k + Self.zipfRank(size, &rng) * c.clusters]
            } else {
                item = itemOfRank[Self.zipfRank(c.items, &rng)]
            }
            if seen.insert(item).inserted { items.append(item) }
        }
        rng.shuffle(&items)
        let tests = min(Int((c.testShare * Double(count) + rng.unitDouble()).rounded(.down)), count - 1)
        var pairs = items.enumerated().map { (item: $0.element, role: Int8($0.offset < tests ? 1 : 0)) }
        pairs.sort { $0.item < $1.item }
        return (preferred, pairs.map(\.item), pairs.map(\.role))
    }

    /// The CSR arrays of shard `shard` of `numShards` (users `shard, shard + S, ...`).
    public func shardArrays(_ shard: Int, of numShards: Int) -> (indptr: [Int64], indices: [Int32], roles: [Int8]) {
        let rows = ShardManifest.rows(inShard: shard, numUsers: config.users, numShards: numShards)
        var indptr = [Int64](), indices = [Int32](), roles = [Int8]()
        indptr.reserveCapacity(rows + 1)
        let expected = Int(Double(config.interactions) / Double(config.users) * Double(rows) * 1.05) + 16
        indices.reserveCapacity(expected)
        roles.reserveCapacity(expected)
        indptr.append(0)
        var seen = Set<Int32>()
        for r in 0..<rows {
            let row = self.row(ofUser: ShardManifest.user(atRow: r, shard: shard, numShards: numShards), seen: &seen)
            indices.append(contentsOf: row.items)
            roles.append(contentsOf: row.roles)
            indptr.append(Int64(indices.count))
        }
        return (indptr, indices, roles)
    }

    /// Generates the data in `shards` shards into `destination` (atomically: a temporary
    /// directory renamed into place once complete; `replace` replaces an existing one), calling
    /// `progress(done, total)` after each shard, and returns the manifest written.
    /// - Throws: ``DataError`` when the destination exists (without `replace`) or writing fails.
    @discardableResult
    public func write(shards: Int, to destination: URL, replace: Bool = false,
                      progress: (Int, Int) -> Void = { _, _ in }) throws -> ShardManifest {
        precondition(shards >= 1, "ScaleSimulation: \(shards) shards")
        let c = config
        return try ShardWriter.writeAtomically(to: destination, replace: replace) { dir in
            let userFile = try ShardWriter.writeNumberedIDs(count: c.users, name: "user_ids.txt", into: dir)
            let itemFile = try ShardWriter.writeNumberedIDs(count: c.items, name: "item_ids.txt", into: dir)
            var entries: [ShardManifest.Shard] = []
            var total = 0, tests = 0
            progress(0, shards)
            for s in 0..<shards {
                let a = shardArrays(s, of: shards)
                let stem = String(format: "shard-%05d", s)
                let files = [
                    "indptr": try ShardWriter.writeArray(a.indptr, descr: "<i8", name: "\(stem).indptr.npy", into: dir),
                    "indices": try ShardWriter.writeArray(a.indices, descr: "<i4", name: "\(stem).indices.npy", into: dir),
                    "role": try ShardWriter.writeArray(a.roles, descr: "|i1", name: "\(stem).role.npy", into: dir),
                ]
                entries.append(ShardManifest.Shard(index: s, rows: a.indptr.count - 1, nnz: a.indices.count, files: files))
                total += a.indices.count
                tests += a.roles.reduce(0) { $0 + Int($1) }
                progress(s + 1, shards)
            }
            let notes = [
                "generated by esans data generate: \(c.users) users, \(c.items) items, target \(c.interactions) interactions "
                    + "(\(total) drawn, \(tests) test), \(c.clusters) planted clusters, seed \(c.seed)",
                "popularity: Zipf exponent \(Self.popularityExponent) over a random permutation of the items; "
                    + "\(Int(Self.clusterShare * 100))% of each user's draws from 1-2 preferred clusters (item of rank r in cluster r % C)",
            ]
            let manifest = ShardManifest(
                name: c.name, numUsers: c.users, numItems: c.items, numInteractions: total, numShards: shards, rowOrder: "item",
                roleCodes: ShardManifest.roleNames, hasTimestamps: false, userIDs: userFile, itemIDs: itemFile,
                itemsWithoutTraining: [], notes: notes, shards: entries)
            try ShardWriter.writeManifest(manifest, into: dir)
            return manifest
        }
    }
}
