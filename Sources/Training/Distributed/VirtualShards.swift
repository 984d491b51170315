/// The fixed partition of a distributed run: `count` virtual shards over `ranks` ranks.
///
/// Row `id` (user or item) lives on virtual shard `id % count`, at local index `id / count`;
/// virtual shard `v` lives on rank `v % ranks`. With `ranks` dividing `count`, row `id` lives
/// on rank `id % ranks`. All arithmetic of the trainer is done per virtual shard, the same
/// way whichever rank holds it, so results do not depend on the number of ranks.
public struct VirtualShards: Sendable, Equatable {
    /// Number of virtual shards (V).
    public let count: Int
    /// Number of ranks (R); divides ``count``.
    public let ranks: Int
    /// This process's rank.
    public let rank: Int

    /// The layout of `count` virtual shards on `ranks` ranks, seen from `rank`.
    public init(count: Int, ranks: Int, rank: Int) {
        precondition(count >= 1 && ranks >= 1 && count % ranks == 0, "\(ranks) ranks do not divide \(count) virtual shards")
        precondition(rank >= 0 && rank < ranks, "rank \(rank) out of 0..<\(ranks)")
        self.count = count
        self.ranks = ranks
        self.rank = rank
    }

    /// Why `ranks` ranks cannot run `count` virtual shards, or nil when they can.
    public static func problem(count: Int, ranks: Int) -> String? {
        if count < 1 { return "--virtual-shards must be at least 1 (got \(count))" }
        if count % ranks != 0 { return "\(ranks) ranks do not divide --virtual-shards \(count): use a rank count that divides it, or another --virtual-shards" }
        return nil
    }

    /// The virtual shard of row `id`.
    @inline(__always) public func shard(of id: Int32) -> Int { Int(id) % count }
    /// The index of row `id` inside its virtual shard.
    @inline(__always) public func localIndex(of id: Int32) -> Int { Int(id) / count }
    /// The rank holding virtual shard `v`.
    @inline(__always) public func owner(ofShard v: Int) -> Int { v % ranks }
    /// The rank holding row `id`.
    @inline(__always) public func owner(of id: Int32) -> Int { owner(ofShard: shard(of: id)) }
    /// The row id at `index` of virtual shard `v`.
    @inline(__always) public func id(shard v: Int, index: Int) -> Int32 { Int32(index * count + v) }

    /// The virtual shards this rank holds, ascending.
    public var owned: [Int] { Array(stride(from: rank, to: count, by: ranks)) }

    /// Rows of virtual shard `v` in a vocabulary of `vocabulary` rows.
    public func rows(inShard v: Int, vocabulary: Int) -> Int { vocabulary > v ? (vocabulary - v + count - 1) / count : 0 }

    /// Positions `lo..<hi` of a virtual shard's `n` (shuffled) interactions that step `s` of
    /// `steps` takes: `floor(s n / S) ..< floor((s + 1) n / S)`, so every step of an epoch
    /// takes about `n / S` from every shard and the global batch does not depend on the ranks.
    public static func slice(step s: Int, of steps: Int, count n: Int) -> Range<Int> {
        (s * n / steps)..<((s + 1) * n / steps)
    }
}
