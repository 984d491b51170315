import Foundation
import NumCore
import Datasets
import Models
import Runs
import Sampling
import Losses
import Collectives

/// What one epoch of distributed training did (the same on every rank).
public struct DistributedEpochStats: Sendable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Mean loss over the epoch's steps (summed over virtual shards in shard order).
    public var loss: Double
    /// Wall-clock seconds of the epoch on this rank.
    public var seconds: Double
    /// Share of sampled real negatives that are test items of the row's user.
    public var falseNegativeRate: Double
    /// Steps taken.
    public var steps: Int
    /// Bytes all ranks sent to other ranks by all-to-all over the epoch (ids, rows, gradients).
    public var bytesMoved: Int
    /// Each rank's peak resident bytes so far (``NumCore/PeakMemory``), in rank order, once
    /// the epoch's training is done (filled in by ``DistributedRun``; empty before).
    public var peakResidentBytes: [Int] = []
}

/// The sharded trainer of `esans train --distributed`: the user and item embedding tables, with
/// their Adam state, are split into ``VirtualShards``; each rank holds its shards' rows and
/// the interactions of their users (a user's rows stay local). One step:
///
/// 1. every virtual shard takes its slice of its (seeded, per-shard, per-epoch) shuffled
///    interactions ("VirtualShards/slice(step:of:count:)"), and the sampler draws its
///    negatives with a generator derived from (seed, epoch, step, shard);
/// 2. the item rows those sub-batches need are fetched from their holders (``RowExchange``);
/// 3. each shard's loss is computed on its own rows, averaged over the whole step's rows;
///    the user rows' gradients go straight to the local table, the item rows' are summed per
///    shard and sent to their holders, which add them in shard order 0..<V;
/// 4. lazy Adam updates the touched rows, one optimiser step per global step.
///
/// Every quantity is computed per virtual shard, identically whichever rank holds it, so 1,
/// 2 or 4 ranks give the same rows bit for bit. ID-only towers only (``unsupported(_:)``).
public final class DistributedTrainer: @unchecked Sendable {
    public let dataset: Dataset
    /// ``Datasets/Dataset/fingerprint`` of the whole data (`dataset` may be this rank's part).
    public let dataFingerprint: String
    public let config: TrainConfig
    public let modelConfig: ModelConfig
    public let comm: any Communicator
    public let shards: VirtualShards
    /// This rank's user rows.
    public let users: ShardedEmbeddingTable
    /// This rank's item rows.
    public let items: ShardedEmbeddingTable
    public let optimizer: AdamOptimizer
    let sampler: NegativeSampler
    let loss: any Loss
    let exchange: RowExchange
    var negatives: BatchNegatives
    let workspace = BatchLoss.Workspace()
    /// The shard step's own matrices (tower inputs, outputs and gradients), reused.
    let buffers = StepBuffers()
    let pool: WorkerPool
    /// Interactions per virtual shard (all shards, for the global batch size of each step).
    let shardCounts: [Int]
    /// The (user, item) pairs of each owned shard, in dataset order, by owned position.
    let shardPairs: [(users: [Int32], items: [Int32])]
    /// Per item, its row in the current shard's gradient (-1: none); reset after each shard.
    var gradientSlot: [Int32]
    private let baseLearningRate: Float

    /// Why `config` cannot be trained by this trainer yet, or nil when it can.
    public static func unsupported(_ config: RunConfig) -> String? {
        let tc = config.training
        for (name, t) in [("user", config.model.user), ("item", config.model.item)] where !t.idEmbedding || t.history || t.featureDim > 0 || !t.hidden.isEmpty {
            return "--distributed trains ID-only towers for now: the \(name) tower has history, features or an MLP"
        }
        if config.features.item != nil || config.features.user != nil { return "--distributed does not take side features (--item-features/--user-features) yet" }
        if tc.validationFraction > 0 { return "--distributed does no model selection yet: give --validation 0" }
        if tc.lrSchedule == .plateau { return "--distributed: the plateau schedule needs model selection, not supported yet (use cosine, linear or constant)" }
        if tc.loss.kind == .adaptau { return "--distributed: the adaptau loss keeps per-user state across steps; not supported yet" }
        if [.dns, .mixgcf].contains(tc.sampler) { return "--distributed: the \(tc.sampler.rawValue) sampler scores candidates with the model, which needs their rows first; not supported yet" }
        if tc.sampler == .esans && (tc.esans.hardCandidates > 1 || tc.esans.easyCandidates > 1 || tc.esans.scoresPairs) {
            return "--distributed: ESANS with scored candidates (hard/easy candidates > 1, the default; semi-hard lambda) is not supported yet: give --hard-candidates 1 --easy-candidates 1"
        }
        if tc.refreshesClusters { return "--distributed does not refresh the ESANS clusters yet: give --refresh-clusters 0" }
        if !tc.extensions.isEmpty { return "--distributed cannot extend a run (--resume --epochs N past the plan) yet" }
        return nil
    }

    /// A trainer for this rank of `comm` over `shardCount` virtual shards of `dataset.train`.
    /// `dataset` may hold only this rank's users (``Datasets/Dataset/loadedShards``), with
    /// `dataFingerprint` the whole data's (nil: `dataset`'s own, for whole data).
    public init(dataset: Dataset, config: RunConfig, sampler: NegativeSampler, comm: any Communicator, shardCount: Int,
                dataFingerprint: String? = nil, pool: WorkerPool = .shared) {
        precondition(Self.unsupported(config) == nil, Self.unsupported(config) ?? "")
        self.dataset = dataset
        self.dataFingerprint = dataFingerprint ?? dataset.fingerprint
        self.config = config.training
        modelConfig = config.model
        self.comm = comm
        self.pool = pool
        let shards = VirtualShards(count: shardCount, ranks: comm.size, rank: comm.rank)
        self.shards = shards
        let d = config.model.dim, seed = config.training.seed
        users = ShardedEmbeddingTable(name: "user.embedding", vocabulary: dataset.numUsers, dim: d, std: config.model.initStd, seed: seed, shards: shards)
        items = ShardedEmbeddingTable(name: "item.embedding", vocabulary: dataset.numItems, dim: d, std: config.model.initStd, seed: seed, shards: shards)
        optimizer = AdamOptimizer(config: config.optimizer)
        baseLearningRate = config.optimizer.learningRate
        self.sampler = sampler
        loss = config.training.loss.make()
        exchange = RowExchange(comm: comm, table: items)
        negatives = BatchNegatives(numItems: dataset.numItems)
        gradientSlot = [Int32](repeating: -1, count: dataset.numItems)
        let train = dataset.train
        var counts = [Int](repeating: 0, count: shardCount)
        var pairs = [(users: [Int32], items: [Int32])](repeating: ([], []), count: shards.owned.count)
        var position = [Int](repeating: -1, count: shardCount)
        for (k, v) in shards.owned.enumerated() { position[v] = k }
        // Each rank counts its own shards' interactions (it may hold no others), then all add up.
        for u in 0..<train.numUsers {
            let v = shards.shard(of: Int32(u))
            if position[v] >= 0 { counts[v] += train.degree(of: u) }
        }
        // Exact capacities: appending alone would leave up to twice the pairs' memory reserved.
        for (k, v) in shards.owned.enumerated() { pairs[k].users.reserveCapacity(counts[v]); pairs[k].items.reserveCapacity(counts[v]) }
        for u in 0..<train.numUsers {
            let v = shards.shard(of: Int32(u))
            guard position[v] >= 0 else { continue }
            for it in train.items(of: u) { pairs[position[v]].users.append(Int32(u)); pairs[position[v]].items.append(it) }
        }
        shardCounts = comm.allReduceSum(counts)
        shardPairs = pairs
    }

    /// Steps per epoch: the training interactions over the batch size, rounded up.
    public var stepsPerEpoch: Int { max(1, (shardCounts.reduce(0, +) + config.batchSize - 1) / config.batchSize) }

    /// The scheduled learning rate at `step` of 1-based `epoch` (as the single-process trainer's;
    /// the plateau schedule needs validation, which is refused here, so it stays at the peak).
    public func learningRate(epoch: Int, step: Int) -> Float {
        config.learningRate(base: baseLearningRate, epoch: epoch, step: step, stepsPerEpoch: stepsPerEpoch)
    }

    /// Trains one epoch (1-based); every rank calls it. The shuffles and draws derive from the
    /// run seed, the epoch, the step and the virtual shard only.
    public func trainEpoch(_ epoch: Int, progress: ((_ step: Int, _ of: Int) -> Void)? = nil) -> DistributedEpochStats {
        let root = RandomSource(seed: config.seed)
        let owned = shards.owned
        // Positions as Int32 (4 bytes per interaction; the same permutation as Int's).
        var orders: [[Int32]] = []
        for (k, v) in owned.enumerated() {
            precondition(shardPairs[k].users.count <= Int(Int32.max), "a virtual shard holds more than 2^31 interactions: use more virtual shards")
            var order = Array(0..<Int32(shardPairs[k].users.count))
            var rng = root.derived("distributed-shuffle").derived(UInt64(epoch)).derived(UInt64(v))
            rng.shuffle(&order)
            orders.append(order)
        }
        let steps = stepsPerEpoch
        var lossByShard = [Double](repeating: 0, count: owned.count)
        var fnHits = 0, fnTotal = 0
        let bytesBefore = exchange.bytesSent
        let t0 = DispatchTime.now().uptimeNanoseconds
        for s in 0..<steps {
            optimizer.config.learningRate = learningRate(epoch: epoch, step: s)
            var globalBatch = 0
            for v in 0..<shards.count { globalBatch += VirtualShards.slice(step: s, of: steps, count: shardCounts[v]).count }
            var parts: [(k: Int, batch: BatchRequest, negatives: NegativeBatch)] = []
            var needed: [Int32] = []
            for (k, v) in owned.enumerated() {
                let range = VirtualShards.slice(step: s, of: steps, count: shardCounts[v])
                if range.isEmpty { continue }
                let pairs = shardPairs[k], order = orders[k]
                let batch = BatchRequest(users: range.map { pairs.users[Int(order[$0])] }, positives: range.map { pairs.items[Int(order[$0])] })
                var rng = root.derived("distributed-sampler").derived(UInt64(epoch)).derived(UInt64(s)).derived(UInt64(v))
                let neg = sampler.sample(batch, scorer: nil, pool: pool, rng: &rng)
                needed += batch.positives
                needed += neg.shared
                needed += neg.perPositive
                parts.append((k, batch, neg))
            }
            exchange.fetch(needed)
            var gradients: [RowExchange.ShardGradients] = []
            for part in parts {
                let v = owned[part.k]
                var dropoutRNG = root.derived("distributed-dropout").derived(UInt64(epoch)).derived(UInt64(s)).derived(UInt64(v))
                let dropout = config.userDropout > 0 ? dropoutRNG.next() : nil
                let r = shardStep(shard: v, batch: part.batch, negatives: part.negatives, globalBatch: globalBatch, dropoutSeed: dropout)
                lossByShard[part.k] += r.loss
                fnHits += r.falseNegatives.hits
                fnTotal += r.falseNegatives.total
                gradients.append(r.gradients)
            }
            exchange.push(gradients)
            optimizer.update(users.parameters + items.parameters, pool: pool)
            progress?(s + 1, steps)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        // The epoch's loss: shard sums added in shard order (the same bits for every rank count).
        let all = comm.allGatherv(lossByShard)
        var byShard = [Double](repeating: 0, count: shards.count)
        for r in 0..<comm.size { for (k, x) in all[r].enumerated() { byShard[r + k * comm.size] = x } }
        let counts = comm.allReduceSum([fnHits, fnTotal, exchange.bytesSent - bytesBefore])
        return DistributedEpochStats(epoch: epoch, loss: byShard.reduce(0, +) / Double(steps), seconds: seconds,
                                     falseNegativeRate: counts[1] > 0 ? Double(counts[0]) / Double(counts[1]) : 0,
                                     steps: steps, bytesMoved: counts[2])
    }

    /// The whole of `table` (every rank's shards) on every rank: row `id` at row `id`.
    public func gather(_ table: ShardedEmbeddingTable) -> Matrix {
        let out = Matrix(rows: table.vocabulary, cols: table.dim)
        gather(table, into: out)
        return out
    }

    /// Writes the whole of `table` into `out` (`vocabulary x dim`) on every rank, one virtual
    /// shard at a time (its holder broadcasts it), so no rank holds more than one shard's
    /// rows in transit.
    /// With `out` nil, this rank only sends its shards (every rank must call it).
    public func gather(_ table: ShardedEmbeddingTable, into out: Matrix?) {
        precondition(out.map { $0.rows == table.vocabulary && $0.cols == table.dim } ?? true, "gather: the destination is not the table's shape")
        let d = table.dim
        for v in 0..<shards.count {
            let holder = v % comm.size
            var mine: [Float] = []
            if holder == comm.rank {
                let p = table.parameters[v / comm.size]
                mine = Array(UnsafeBufferPointer(start: p.value.data, count: p.value.count))
            }
            let rows = comm.broadcast(mine, root: holder)
            guard let out else { continue }
            let n = shards.rows(inShard: v, vocabulary: table.vocabulary)
            precondition(rows.count == n * d, "gather: shard \(v) came with \(rows.count) values, not \(n * d)")
            rows.withUnsafeBufferPointer { buf in
                for i in 0..<n { out.row(Int(shards.id(shard: v, index: i))).update(from: buf.baseAddress! + i * d, count: d) }
            }
        }
    }

    /// A single-process model holding the gathered tables (every rank calls it).
    public func gatherModel() -> TwoTowerModel {
        let model = TwoTowerModel(config: modelConfig, numUsers: dataset.numUsers, numItems: dataset.numItems, seed: config.seed)
        gather(users, into: model.userTower.embedding!.table.value)
        gather(items, into: model.itemTower.embedding!.table.value)
        return model
    }

    /// The gathered user and item tables (rows as trained) on this rank when `here`, else
    /// nil (this rank only sends its shards); every rank calls it.
    public func gatherTables(here: Bool) -> (users: Matrix, items: Matrix)? {
        let u = here ? Matrix(rows: users.vocabulary, cols: users.dim) : nil
        let v = here ? Matrix(rows: items.vocabulary, cols: items.dim) : nil
        gather(users, into: u)
        gather(items, into: v)
        guard let u, let v else { return nil }
        return (u, v)
    }

    /// The user and item vectors of the model (its rows L2-normalised, the same arithmetic as
    /// the ID-only towers' forward pass) on every rank, with one copy of each table: what
    /// an evaluation needs, without the model (every rank calls it).
    public func gatherVectors() -> (users: Matrix, items: Matrix) { gatherVectors(here: true)! }

    /// ``gatherVectors()`` on this rank when `here`, else nil (this rank only sends its
    /// shards); every rank calls it.
    public func gatherVectors(here: Bool) -> (users: Matrix, items: Matrix)? {
        guard let tables = gatherTables(here: here) else { return nil }
        var norms: [Float] = []
        for m in [tables.users, tables.items] { L2NormalizeLayer.forward(m, rows: m.rows, into: m, norms: &norms) }
        return tables
    }
}
