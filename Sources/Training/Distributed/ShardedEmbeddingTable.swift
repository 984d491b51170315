import NumCore
import Models

/// The rows of one embedding table (users or items) that this rank holds: one sparse
/// ``Models/Parameter`` per virtual shard it owns, each with its Adam state (m, v, rowStep).
///
/// Virtual shard `v` holds rows `v, v + V, v + 2V, ...` (``VirtualShards``). Each shard's rows
/// are initialised N(0, std²) from a generator derived from the seed, the table's name and
/// `v` only, so a row starts the same whichever rank holds it.
public final class ShardedEmbeddingTable: @unchecked Sendable {
    /// The table's name (`user.embedding` or `item.embedding`).
    public let name: String
    /// Rows in the whole table.
    public let vocabulary: Int
    /// Row width.
    public let dim: Int
    /// The partition.
    public let shards: VirtualShards
    /// One parameter per owned virtual shard, in the order of ``VirtualShards/owned``.
    public let parameters: [Parameter]
    /// Index into ``parameters`` of each virtual shard (-1: held by another rank).
    private let slot: [Int]

    /// The owned shards of a `vocabulary x dim` table, initialised from `seed`.
    public init(name: String, vocabulary: Int, dim: Int, std: Float, seed: UInt64, shards: VirtualShards) {
        self.name = name
        self.vocabulary = vocabulary
        self.dim = dim
        self.shards = shards
        var slot = [Int](repeating: -1, count: shards.count)
        var params: [Parameter] = []
        for v in shards.owned {
            slot[v] = params.count
            let p = Parameter(name: "\(name).shard\(v)", rows: shards.rows(inShard: v, vocabulary: vocabulary), cols: dim, sparse: true, decays: true)
            var rng = RandomSource(seed: seed).derived("distributed-init:" + name).derived(UInt64(v))
            p.initNormal(std: std, rng: &rng)
            params.append(p)
        }
        self.slot = slot
        parameters = params
    }

    /// The parameter of owned virtual shard `v`.
    public func parameter(ofShard v: Int) -> Parameter {
        precondition(slot[v] >= 0, "virtual shard \(v) is not held by rank \(shards.rank)")
        return parameters[slot[v]]
    }

    /// Whether this rank holds row `id`.
    @inline(__always) public func holds(_ id: Int32) -> Bool { slot[shards.shard(of: id)] >= 0 }

    /// The value of row `id` (held here).
    @inline(__always) public func row(_ id: Int32) -> UnsafeMutablePointer<Float> {
        parameters[slot[shards.shard(of: id)]].value.row(shards.localIndex(of: id))
    }

    /// Adds `scale * values` (``dim`` floats) to the gradient of row `id` (held here) and
    /// marks the row touched.
    @inline(__always) public func addGradient(_ id: Int32, _ values: UnsafePointer<Float>, scale: Float = 1) {
        let p = parameters[slot[shards.shard(of: id)]]
        let r = shards.localIndex(of: id)
        p.touch(Int32(r))
        VectorMath.axpy(scale, values, p.grad.row(r), dim)
    }
}
